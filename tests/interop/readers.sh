#!/bin/bash
# Tables cross over both ways: real postmap/postalias -q, -q - and -s read
# archmail's tables and answer as from their own; archmail's -q, -q - and
# -s read Postfix's tables and print exactly what Postfix prints, with the
# same exit codes.  archmail -d and -i change a Postfix table as real
# postmap -d / -i would, and real postmap -q sees the change.  All with
# default (key\0 value\0) and -n (no NUL) tables.
#
#	tests/interop/readers.sh ARCHMAIL_BINARY	(from the repo root)
. tests/testlib.sh "$1"
. tests/interop/interop_lib.bash

DATA=$PWD/tests/data/interop
for f in readers.map readers.keys readers.aliases readers.akeys \
    readers.add readers.aadd; do
	if [ ! -s "$DATA/$f" ]; then
		echo "FAIL: missing corpus $DATA/$f" >&2
		exit 1
	fi
done

# run OUT CMD...: CMD's stdout in OUT, stderr in OUT.err, exit code in
# OUT.rc
run() {
	local out=$1
	shift
	"$@" >"$out" 2>"$out.err"
	echo $? >"$out.rc"
}

# same DESC A B: A and B have the same output and exit code
same() {
	check_eq "$1: exit code" "$(cat "$2.rc")" "$(cat "$3.rc")"
	if cmp -s "$2" "$3"; then
		pass "$1: output"
	else
		fail "$1: output differs (- first, + second)"
		diff -u "$2" "$3" >&2
	fi
}

# shellcheck disable=SC2317 # called through check
quiet() {
	"$@" >/dev/null 2>&1
}

# -s output sorted (the spec's comparison), postalias's time stamp masked
sort_dump() {
	LC_ALL=C sed 's/^\(YP_LAST_MODIFIED:*\)\t[0-9]\{10\}$/\1\tTS/' "$1" |
	    LC_ALL=C sort >"$1.sorted"
	mv "$1.sorted" "$1"
}

# tool_map TOOL: the table that TOOL is tested on
tool_map() {
	if [ "$1" = postmap ]; then echo m; else echo al; fi
}

# An empty key is not found (Postfix: exit 1 with "MDB_BAD_VALSIZE" when
# the NUL form is not pinned yet; archmail: exit 1, not found).  It is
# left out of the -q - sessions, where Postfix would die part-way.
mapfile -t MAP_KEYS <"$DATA/readers.keys"
mapfile -t ALIAS_KEYS <"$DATA/readers.akeys"
MAP_KEYS+=("")
ALIAS_KEYS+=("")

# queries TAG DIR TOOL [QUERY_OPTS...]: every key with -q, then all keys
# with -q -: real Postfix on archmail's table (DIR/am) and archmail on
# Postfix's table (DIR/pf) answer as real Postfix on its own.
queries() {
	local tag=$1 dir=$2 tool=$3 map keyfile key i=0 q
	shift 3
	local -a keys
	map=$(tool_map "$tool")
	if [ "$tool" = postmap ]; then
		keys=("${MAP_KEYS[@]}") keyfile=$DATA/readers.keys
	else
		keys=("${ALIAS_KEYS[@]}") keyfile=$DATA/readers.akeys
	fi
	q=$(mktemp -d "$dir/q.XXXXXX")
	for key in "${keys[@]}"; do
		i=$((i + 1))
		run "$q/$i.pf-pf" "/usr/sbin/$tool" -c "$PFCONF" "$@" \
		    -q "$key" "lmdb:$dir/pf/$map"
		run "$q/$i.pf-am" "/usr/sbin/$tool" -c "$PFCONF" "$@" \
		    -q "$key" "lmdb:$dir/am/$map"
		run "$q/$i.am-pf" "$ARCHMAIL" "$tool" -c "$PFCONF" "$@" \
		    -q "$key" "lmdb:$dir/pf/$map"
		same "$tag: real $tool -q '$key' on archmail's" \
		    "$q/$i.pf-pf" "$q/$i.pf-am"
		same "$tag: archmail $tool -q '$key' on Postfix's" \
		    "$q/$i.pf-pf" "$q/$i.am-pf"
	done
	run "$q/stdin.pf-pf" "/usr/sbin/$tool" -c "$PFCONF" "$@" -q - \
	    "lmdb:$dir/pf/$map" <"$keyfile"
	run "$q/stdin.pf-am" "/usr/sbin/$tool" -c "$PFCONF" "$@" -q - \
	    "lmdb:$dir/am/$map" <"$keyfile"
	run "$q/stdin.am-pf" "$ARCHMAIL" "$tool" -c "$PFCONF" "$@" -q - \
	    "lmdb:$dir/pf/$map" <"$keyfile"
	same "$tag: real $tool -q - on archmail's" "$q/stdin.pf-pf" \
	    "$q/stdin.pf-am"
	same "$tag: archmail $tool -q - on Postfix's" "$q/stdin.pf-pf" \
	    "$q/stdin.am-pf"
	if [ $# = 0 ]; then
		check "$tag: $tool -q - finds something" test -s \
		    "$q/stdin.pf-pf"
	fi
}

# dumps TAG DIR TOOL: -s lists the same records both ways
dumps() {
	local tag=$1 dir=$2 tool=$3 map s f
	map=$(tool_map "$tool")
	s=$dir/s.$tool
	run "$s.pf-pf" "/usr/sbin/$tool" -c "$PFCONF" -s "lmdb:$dir/pf/$map"
	run "$s.pf-am" "/usr/sbin/$tool" -c "$PFCONF" -s "lmdb:$dir/am/$map"
	run "$s.am-pf" "$ARCHMAIL" "$tool" -c "$PFCONF" -s "lmdb:$dir/pf/$map"
	for f in "$s.pf-pf" "$s.pf-am" "$s.am-pf"; do
		sort_dump "$f"
	done
	check "$tag: real $tool -s lists records" test -s "$s.pf-pf"
	same "$tag: real $tool -s on archmail's" "$s.pf-pf" "$s.pf-am"
	same "$tag: archmail $tool -s on Postfix's" "$s.pf-pf" "$s.am-pf"
}

# deletions TAG DIR TOOL GONE KEPT MORE: archmail -d on a copy of
# Postfix's table does what real -d does on another copy
deletions() {
	local tag=$1 dir=$2 tool=$3 gone=$4 kept=$5 more=$6 map d side
	map=$(tool_map "$tool")
	d=$dir/d.$tool
	mkdir -p "$d"
	for side in am pf; do
		cp "$dir/pf/$map.lmdb" "$d/$side.lmdb"
	done
	run "$d/del.am" "$ARCHMAIL" "$tool" -c "$PFCONF" -d "$gone" "lmdb:$d/am"
	run "$d/del.pf" "/usr/sbin/$tool" -c "$PFCONF" -d "$gone" "lmdb:$d/pf"
	same "$tag: $tool -d '$gone'" "$d/del.pf" "$d/del.am"
	check_eq "$tag: $tool -d '$gone' exit code" 0 "$(cat "$d/del.am.rc")"
	check_fails "$tag: real $tool -q no longer finds '$gone'" \
	    quiet "/usr/sbin/$tool" -c "$PFCONF" -q "$gone" "lmdb:$d/am"
	check "$tag: real $tool -q still finds '$kept'" \
	    quiet "/usr/sbin/$tool" -c "$PFCONF" -q "$kept" "lmdb:$d/am"
	run "$d/absent.am" "$ARCHMAIL" "$tool" -c "$PFCONF" -d "$gone" \
	    "lmdb:$d/am"
	run "$d/absent.pf" "/usr/sbin/$tool" -c "$PFCONF" -d "$gone" \
	    "lmdb:$d/pf"
	same "$tag: $tool -d of an absent key" "$d/absent.pf" "$d/absent.am"
	check_eq "$tag: $tool -d of an absent key exit code" 1 \
	    "$(cat "$d/absent.am.rc")"
	printf '%s\n' "$more" >"$d/keys"
	run "$d/stdin.am" "$ARCHMAIL" "$tool" -c "$PFCONF" -d - "lmdb:$d/am" \
	    <"$d/keys"
	run "$d/stdin.pf" "/usr/sbin/$tool" -c "$PFCONF" -d - "lmdb:$d/pf" \
	    <"$d/keys"
	same "$tag: $tool -d -" "$d/stdin.pf" "$d/stdin.am"
	check_eq "$tag: records after $tool -d" "$(records "$d/pf.lmdb")" \
	    "$(records "$d/am.lmdb")"
	check_fails "$tag: $tool -d changed the table" cmp -s \
	    "$dir/pf/$map.lmdb" "$d/am.lmdb"
}

# insertions TAG DIR TOOL ADD LOOKUPS: archmail -i adds ADD to a copy of
# Postfix's table; real -q - finds every one of LOOKUPS.  On a default table
# the records are those real -i writes.  On a -n table Postfix would add
# NUL records (a mixed table, half unreachable); archmail keeps the
# table's form, so every key stays reachable in any order of lookups.
insertions() {
	local tag=$1 dir=$2 tool=$3 add=$4 lookups=$5 map i side
	map=$(tool_map "$tool")
	i=$dir/i.$tool
	mkdir -p "$i"
	for side in am pf; do
		cp "$dir/pf/$map.lmdb" "$i/$side.lmdb"
	done
	run "$i/add.am" "$ARCHMAIL" "$tool" -c "$PFCONF" -i "lmdb:$i/am" \
	    <"$add"
	check_eq "$tag: $tool -i exit code" 0 "$(cat "$i/add.am.rc")"
	check "$tag: $tool -i warns about the duplicate" grep -q \
	    "duplicate entry" "$i/add.am.err"
	printf '%s\n' "$lookups" >"$i/keys"
	run "$i/q.am" "/usr/sbin/$tool" -c "$PFCONF" -q - "lmdb:$i/am" \
	    <"$i/keys"
	check_eq "$tag: real $tool -q - finds old and new keys" \
	    "$(wc -l <"$i/keys")" "$(wc -l <"$i/q.am")"
	[ "$tag" = default ] || return 0
	run "$i/add.pf" "/usr/sbin/$tool" -c "$PFCONF" -i "lmdb:$i/pf" <"$add"
	same "$tag: $tool -i" "$i/add.pf" "$i/add.am"
	check_eq "$tag: records after $tool -i" "$(records "$i/pf.lmdb")" \
	    "$(records "$i/am.lmdb")"
	run "$i/q.pf" "/usr/sbin/$tool" -c "$PFCONF" -q - "lmdb:$i/pf" \
	    <"$i/keys"
	same "$tag: real $tool -q - after -i" "$i/q.pf" "$i/q.am"
}

for table in default -n; do
	dir=$T/tables$table
	build_opts=()
	[ "$table" = default ] || build_opts=("$table")
	mkdir -p "$dir/am" "$dir/pf"
	for side in am pf; do
		cp "$DATA/readers.map" "$dir/$side/m"
		cp "$DATA/readers.aliases" "$dir/$side/al"
	done
	(cd "$dir/am" &&
	    "$ARCHMAIL" postmap -c "$PFCONF" "${build_opts[@]}" lmdb:m &&
	    "$ARCHMAIL" postalias -c "$PFCONF" "${build_opts[@]}" lmdb:al)
	check "build $table tables with archmail" test $? = 0
	(cd "$dir/pf" &&
	    "$PF_POSTMAP" -c "$PFCONF" "${build_opts[@]}" lmdb:m &&
	    "$PF_POSTALIAS" -c "$PFCONF" "${build_opts[@]}" lmdb:al)
	check "build $table tables with Postfix" test $? = 0
	check_eq "$table map records" "$(records "$dir/pf/m.lmdb")" \
	    "$(records "$dir/am/m.lmdb")"

	# Query options that make sense for the table (-n/-N pin the form).
	if [ "$table" = default ]; then
		query_sets=("" -N -n -f)
	else
		query_sets=("" -n -N)
	fi
	for tool in postmap postalias; do
		for qopt in "${query_sets[@]}"; do
			# shellcheck disable=SC2086 # one option or none
			queries "$table table, query ${qopt:-default}" "$dir" \
			    $tool $qopt
		done
		dumps "$table" "$dir" $tool
	done

	deletions "$table" "$dir" postmap ALICE@example.COM bob \
	    "$(printf 'STRASSE@example.de\nmissing\n"QUOTED KEY"')"
	deletions "$table" "$dir" postalias ALICE postmaster \
	    "$(printf 'Quoted Name\nmissing')"

	insertions "$table" "$dir" postmap "$DATA/readers.add" \
	    "$(printf '%s\n' bob new@example.com alice@example.com NEWER \
	    zürich@example.ch)"
	insertions "$table" "$dir" postalias "$DATA/readers.aadd" \
	    "$(printf 'alice\nnewalias\npostmaster')"
done

finish
