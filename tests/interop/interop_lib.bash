# Helpers for the interoperability tests, sourced after tests/testlib.sh.
# (Not named *.sh: CMake registers every tests/interop/*.sh as a test.)
#
#   PF_POSTMAP, PF_POSTALIAS   the real Postfix 3.7 tools
#   records FILE.lmdb          dump() with postalias's YP_LAST_MODIFIED
#                              time stamp replaced by TIMESTAMP
#   build_both NAME TOOL SRC [OPTS...]
#                              build SRC with archmail and with real TOOL
#                              (postmap or postalias) in $T/NAME/{am,pf};
#                              sets BUILT=$T/NAME
#   compare_build DESC NAME TOOL SRC [OPTS...]
#                              build_both, then check that exit codes,
#                              records and warnings agree
#   norm_warnings PROG FILE    warnings reduced to what both tools say

PF_POSTMAP=/usr/sbin/postmap
PF_POSTALIAS=/usr/sbin/postalias

for tool in "$PF_POSTMAP" "$PF_POSTALIAS" mdb_dump python3; do
	if ! command -v "$tool" >/dev/null; then
		echo "FAIL: $tool is needed (tests/install-deps.sh)" >&2
		exit 1
	fi
done

records() {
	# mdb_dump -p prints " key" and " value" lines, in key order.
	dump "$1" | awk '
		prev == " YP_LAST_MODIFIED" && length($0) == 11 &&
		    /^ [0-9]+$/ {
			print " TIMESTAMP"; prev = ""; next
		}
		{ print; prev = $0 }'
}

build_both() {
	local name=$1 tool=$2 src=$3 side
	shift 3
	BUILT=$T/$name
	mkdir -p "$BUILT/am" "$BUILT/pf"
	for side in am pf; do
		cp "$src" "$BUILT/$side/src"
	done
	(cd "$BUILT/am" && "$ARCHMAIL" "$tool" -c "$PFCONF" "$@" lmdb:src \
	    2>"$BUILT/am.err")
	echo $? >"$BUILT/am.rc"
	(cd "$BUILT/pf" && "/usr/sbin/$tool" -c "$PFCONF" "$@" lmdb:src \
	    2>"$BUILT/pf.err")
	echo $? >"$BUILT/pf.rc"
}

# Postfix: "PROG: warning: src, line N: TEXT", or without the line for
# "logical line must not start with whitespace", and "lmdb:src: duplicate
# entry: "KEY"".  archmail names the line everywhere and words the
# duplicate of a postalias record differently.  Both are reduced to
# "src, line N: TEXT" up to the first quote (Postfix and archmail show
# non-printable bytes differently), or to the text alone where Postfix
# gives no line.
norm_warnings() {
	LC_ALL=C sed -n "s/^$1: warning: //p" "$2" | LC_ALL=C sed \
	    -e 's/^lmdb:[^:]*: \(duplicate entry: "[^"]*"\).*/\1/' \
	    -e 's/^[^:]*, line [0-9]*: \(duplicate entry: "[^"]*"\).*/\1/' \
	    -e 's/^[^:]*: \(duplicate entry: "[^"]*"\).*/\1/' \
	    -e 's/^.*: \(logical line must not start with whitespace\).*/\1/' \
	    -e '/duplicate entry/!s/".*//' | LC_ALL=C sort
}

compare_build() {
	local desc=$1 name=$2 tool=$3 src=$4
	shift 4
	build_both "$name" "$tool" "$src" "$@"
	check_eq "$desc: exit code" "$(cat "$BUILT/pf.rc")" \
	    "$(cat "$BUILT/am.rc")"
	if [ "$(cat "$BUILT/pf.rc")" = 0 ]; then
		records "$BUILT/pf/src.lmdb" >"$BUILT/pf.records"
		records "$BUILT/am/src.lmdb" >"$BUILT/am.records"
		if [ ! -s "$BUILT/pf.records" ]; then
			fail "$desc: Postfix wrote no records"
		elif diff -u "$BUILT/pf.records" "$BUILT/am.records" \
		    >"$BUILT/records.diff"; then
			pass "$desc: records identical"
		else
			fail "$desc: records differ (- Postfix, + archmail)"
			cat "$BUILT/records.diff" >&2
		fi
	fi
	norm_warnings "$tool" "$BUILT/pf.err" >"$BUILT/pf.warn"
	norm_warnings archmail "$BUILT/am.err" >"$BUILT/am.warn"
	if diff -u "$BUILT/pf.warn" "$BUILT/am.warn" >"$BUILT/warn.diff"
	then
		pass "$desc: same warnings ($(wc -l <"$BUILT/pf.warn"))"
	else
		fail "$desc: warnings differ (- Postfix, + archmail)"
		cat "$BUILT/warn.diff" >&2
	fi
}
