#!/bin/bash
# archmail postmap/postalias write the same records as real Postfix 3.7
# for every source-file rule (docs: reference/postfix-lmdb.md a-b), with
# every option that changes what is stored, and warn about the same lines.
#
#	tests/interop/records.sh ARCHMAIL_BINARY	(from the repo root)
. tests/testlib.sh "$1"
. tests/interop/interop_lib.bash

DATA=$PWD/tests/data/interop
OPTION_SETS=("" -n -f -r -w -u)

for f in rules.map rules.aliases; do
	if [ ! -s "$DATA/$f" ]; then
		echo "FAIL: missing corpus $DATA/$f" >&2
		exit 1
	fi
done

# What a text editor cannot keep: CRLF, NUL bytes, invalid UTF-8, a
# missing final newline.
gen=$T/generated.map
{
	printf 'crlf1 v1\r\ncrlf2   v2  \r\n  cont\r\n\r\ncrlf3\r\n#c\r\n'
	printf 'CRLF4 "q"\r\n \r\n'
	printf 'nul1 before\0after\nnul2\0 x\n\0startnul v\nnul3 v\n\0\n'
	printf 'nul4 a\n  b\0c\n  d\nnul5 ok\0\377\376\nNul1 dup-after-nul\n'
	printf 'bad1 \377\376 bad-utf8\nok1 fine\nbad2 \303\050\n'
	printf 'bad3 \355\240\200 surrogate\nbad4 \364\220\200\200 too-big\n'
	printf 'bad5 \300\257 overlong\nbad6 \340\200\257 overlong3\n'
	printf 'bad7 trunc\342\202\nBAD8\377 key\nok2 \342\202\254 euro\n'
	printf 'bad9 continued\n  \377 here\nok3 \177 del\nok4 ctl\001\002x\n'
	printf 'bad10 value-only-\351\n\303\251 latin1-\351-value\n'
	# Bytes after a NUL count when the text before it is not ASCII.
	printf 'nul6 \303\244\0\377\nnul7 a\0\303\244\377\n'
	# A comment line inside an entry is dropped before the UTF-8 check.
	printf 'ok5 a\n# \377 comment\n  b\n'
	# \v and \f are whitespace: they continue a line, or make it blank.
	printf 'vt1 a\n\vvt-cont\n\ff-cont\n\v\f\nvt2\vb\fc\v\n'
	printf 'cr1 a\rb c\r\rd\n'
	# Many joined entries in a row, growing (buffers are reused), and
	# lines far longer than any buffer size.
	python3 -c '
import sys
out = sys.stdout
for i in range(1, 300, 7):
    out.write("Join%d first-%d\n" % (i, i))
    for j in range(i % 5 + 1):
        out.write("  part%d-%s\n" % (j, "x" * (i * 3)))
out.write("hugevalue " + "v" * 200000 + "\n")
out.write("hugejoined a\n" + ("\t" + "w" * 5000 + "\n") * 40)
'
	printf 'nonl_end final'
} >"$gen"

gen_aliases=$T/generated.aliases
{
	printf 'crlf1: a, b\r\ncrlf2: "x\r\n  y", (c\r\n  d)\r\n\tz\r\n'
	printf 'nul1: a, b\0, c\nnul2\0: x\n\0: y\nnul3: a\n  b\0c\n  d\n'
	printf 'bad1: \377\376 bad-utf8\nok1: fine\nbad2: \303\050\n'
	printf 'BAD3\377: key\nok2: \342\202\254 euro\n'
	printf 'bad4: continued,\n  \377 here\nok3: ctl\001\002x, \177\n'
	printf 'vt1: a,\n\vb,\n\fc\nvt2:\vx\f,y\v\n'
	printf 'ctl1: a\\\vb, "c\\\fd", a\\\001b, (x\ty)\n'
	python3 -c '
import sys
out = sys.stdout
for i in range(1, 300, 7):
    out.write("Join%d: first-%d,\n" % (i, i))
    for j in range(i % 5 + 1):
        out.write("  part%d-%s@Example.COM,\n" % (j, "x" * (i * 3)))
out.write("huge: " + ", ".join("user%d@example.org" % i
                               for i in range(20000)) + "\n")
'
	printf 'nonl_end: final'
} >"$gen_aliases"

for opts in "${OPTION_SETS[@]}"; do
	tag=${opts:-default}
	# shellcheck disable=SC2086 # $opts is one option or none
	compare_build "postmap rules.map $tag" "map$tag" postmap \
	    "$DATA/rules.map" $opts
	# shellcheck disable=SC2086
	compare_build "postmap generated $tag" "gen$tag" postmap "$gen" $opts
	# shellcheck disable=SC2086
	compare_build "postalias rules.aliases $tag" "alias$tag" postalias \
	    "$DATA/rules.aliases" $opts
	# shellcheck disable=SC2086
	compare_build "postalias generated $tag" "genalias$tag" postalias \
	    "$gen_aliases" $opts
done

# postmap -F: values name files whose contents are stored in base64.
# Only ", \t\r\n" separate names; \v and \f belong to the name.
fdir=$T/files
mkdir -p "$fdir"
printf 'line1\n' >"$fdir/f1"
printf 'line2\n\nother' >"$fdir/f2"
: >"$fdir/empty"
{
	printf 'k1 %s\n' "$fdir/f1"
	printf 'k2 %s, %s\n' "$fdir/f1" "$fdir/f2"
	printf 'k3 %s/missing\n' "$fdir"
	printf 'k4 %s,%s/missing\n' "$fdir/f1" "$fdir"
	printf 'k5 %s\n' "$fdir/empty"
	printf 'K6 %s  %s\t,, %s\n' "$fdir/f1" "$fdir/f2" "$fdir/f1"
	printf 'k7 ,\nk8 , ,\n'
	printf 'k9 %s\v%s\n' "$fdir/f1" "$fdir/f2"
	printf 'k10 %s\f%s\n' "$fdir/f1" "$fdir/f2"
	printf 'k11 %s\r\n' "$fdir/f2"
	# A joined line whose key needs ICU folding.
	printf 'Straße %s,\n  %s\n' "$fdir/f1" "$fdir/f2"
	printf 'ΣΊΣΥΦΟΣ\n\t%s\n' "$fdir/f2"
} >"$T/files.map"
compare_build "postmap -F" files postmap "$T/files.map" -F
compare_build "postmap -F -n" files-n postmap "$T/files.map" -F -n

# Source entries that collide with the records postalias adds itself
# ("@", and with -f -n the NUL-less YP_ records) follow the duplicate rule.
for opts in "-f -n" "-f -n -r" "-f -n -w"; do
	# shellcheck disable=SC2086
	compare_build "postalias extras.aliases $opts" "extras$opts" \
	    postalias "$DATA/extras.aliases" $opts
done

# An empty alias name is a key of one NUL byte; with -n it is an empty
# key, which LMDB refuses: both fail.
printf '"": empty-name\nother: x\n' >"$T/empty.aliases"
compare_build "postalias empty name" empty postalias "$T/empty.aliases"
compare_build "postalias -n empty name" empty-n postalias \
    "$T/empty.aliases" -n

# Key length: 510 bytes of text (+ NUL) is LMDB's limit, 511 with -n.
long() { python3 -c "import sys; sys.stdout.write('$2' * $1)"; }
k510=$(long 510 K)
k511=$(long 511 K)
k512=$(long 512 K)
printf 'a 1\n%s five-ten\nz 2\n' "$k510" >"$T/k510.map"
printf 'a 1\n%s five-eleven\nz 2\n' "$k511" >"$T/k511.map"
printf 'a 1\n%s five-twelve\nz 2\n' "$k512" >"$T/k512.map"
printf 'a: 1\n%s: five-ten\n' "$k510" >"$T/k510.aliases"
printf 'a: 1\n%s: five-eleven\n' "$k511" >"$T/k511.aliases"
printf 'a: 1\n%s: five-twelve\n' "$k512" >"$T/k512.aliases"
compare_build "postmap key of 510 bytes" k510 postmap "$T/k510.map"
compare_build "postmap -n key of 511 bytes" k511n postmap "$T/k511.map" -n
compare_build "postalias key of 510 bytes" k510a postalias \
    "$T/k510.aliases"
compare_build "postalias -n key of 511 bytes" k511an postalias \
    "$T/k511.aliases" -n

# Over-long keys: Postfix dies (MDB_BAD_VALSIZE); archmail refuses the
# source with exit 1 before touching the table.  The limit applies to the
# folded key: U+0390 (2 bytes) folds to 3 code points (6 bytes).
printf 'a 1\n%s grows\n' "$(long 100 'ΐ')" >"$T/fold-grows.map"
over_long() {
	local desc=$1 tool=$2 src=$3 good=$4
	shift 4
	local d=$T/overlong-$RANDOM$RANDOM rc
	mkdir -p "$d"
	cp "$good" "$d/src"
	(cd "$d" && "/usr/sbin/$tool" -c "$PFCONF" "$@" lmdb:src) ||
	    fail "$desc: Postfix cannot build the good source"
	cp "$d/src.lmdb" "$d/before.lmdb"
	cp "$src" "$d/src"
	(cd "$d" && "$ARCHMAIL" "$tool" -c "$PFCONF" "$@" lmdb:src \
	    2>"$d/am.err")
	rc=$?
	check_eq "$desc: archmail exit code" 1 "$rc"
	check "$desc: archmail says fatal" grep -q "fatal: .*src, line" \
	    "$d/am.err"
	check "$desc: existing table unchanged" cmp -s "$d/before.lmdb" \
	    "$d/src.lmdb"
	(cd "$d" && "/usr/sbin/$tool" -c "$PFCONF" "$@" lmdb:src \
	    2>"$d/pf.err")
	rc=$?
	check_eq "$desc: Postfix exit code" 1 "$rc"
	check "$desc: Postfix says MDB_BAD_VALSIZE" grep -q \
	    "fatal: .*MDB_BAD_VALSIZE" "$d/pf.err"
}
over_long "postmap key of 511 bytes" postmap "$T/k511.map" "$T/k510.map"
over_long "postmap -n key of 512 bytes" postmap "$T/k512.map" \
    "$T/k510.map" -n
over_long "postmap key that grows when folded" postmap \
    "$T/fold-grows.map" "$T/k510.map"
over_long "postalias key of 511 bytes" postalias "$T/k511.aliases" \
    "$T/k510.aliases"
over_long "postalias -n key of 512 bytes" postalias \
    "$T/k512.aliases" "$T/k510.aliases" -n
# The same, over a table that archmail wrote.
d=$T/overlong-archmail
mkdir -p "$d"
cp "$T/k510.map" "$d/src"
(cd "$d" && "$ARCHMAIL" postmap -c "$PFCONF" lmdb:src)
cp "$d/src.lmdb" "$d/before.lmdb"
cp "$T/k511.map" "$d/src"
(cd "$d" && "$ARCHMAIL" postmap -c "$PFCONF" lmdb:src 2>/dev/null)
check_eq "archmail refuses a 511-byte key over its own table" 1 "$?"
check "its own table is unchanged" cmp -s "$d/before.lmdb" "$d/src.lmdb"

# The corpus again under other main.cf files: compatibility_level unset,
# 0, 2 and 3.6 (smtputf8_enable's default follows it), and
# smtputf8_enable set through each form of Postfix's expressions.
CONFIGS=(
	'level-unset|'
	'level-0|compatibility_level = 0'
	'level-2|compatibility_level = 2'
	'level-3.6|compatibility_level = 3.6'
	'dollar|f = no\nsmtputf8_enable = $f'
	'brace|compatibility_level = 2\nf = yes\nsmtputf8_enable = ${f}'
	'paren|compatibility_level = 2\nf = no\nsmtputf8_enable = $(f)'
	'default|smtputf8_enable = ${undefined_param:yes}'
	'set|compatibility_level = 2\nsmtputf8_enable = ${compatibility_level?no}'
	'set-braces|smtputf8_enable = ${compatibility_level?{yes}:{no}}'
	'unset-braces|smtputf8_enable = ${nope:{no}}'
	'level-op|compatibility_level = 3.6\nsmtputf8_enable = ${{$compatibility_level} <level {3.6} ? {yes} : {no}}'
	'compare|compatibility_level = 1\nsmtputf8_enable = ${{abc} != {abd} ? {yes} : {no}}'
	'continued|compatibility_level = 2\nsmtputf8_enable =\n# c\n  no'
)
saved_conf=$PFCONF
for entry in "${CONFIGS[@]}"; do
	tag=${entry%%|*}
	PFCONF=$T/conf-$tag
	mkdir -p "$PFCONF"
	printf "myhostname = test.example.org\ndefault_database_type = lmdb\n${entry#*|}\n" \
	    >"$PFCONF/main.cf"
	compare_build "postmap rules.map, main.cf $tag" "cmap-$tag" postmap \
	    "$DATA/rules.map"
	compare_build "postmap generated, main.cf $tag" "cgen-$tag" postmap \
	    "$gen"
	compare_build "postalias rules.aliases, main.cf $tag" "calias-$tag" \
	    postalias "$DATA/rules.aliases"
	compare_build "postalias generated, main.cf $tag" "cgenalias-$tag" \
	    postalias "$gen_aliases"
done
PFCONF=$saved_conf
# Both smtputf8 modes were seen: folding differs between them.
check_fails "main.cf level-unset and level-3.6 give other records" cmp -s \
    "$T/cmap-level-unset/pf.records" "$T/cmap-level-3.6/pf.records"

# The comparison sees what it must: case folding changes the records,
# and Postfix's warnings survive the reduction to what both tools say.
check_fails "records of a -f build differ from a default build" cmp -s \
    "$T/mapdefault/pf.records" "$T/map-f/pf.records"
check "Postfix warnings are compared" test "$(grep -c 'line [0-9]*: ' \
    "$T/mapdefault/pf.warn")" -ge 8

finish
