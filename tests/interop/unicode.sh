#!/bin/bash
# Keys are folded exactly as Postfix folds them: a map with one key per
# code point that has a case folding (plus keys that string together
# those and every other code point) gives the same records from archmail
# and real postmap, with smtputf8_enable = yes (ICU full folding), with -u
# and with smtputf8_enable = no (ASCII only); and real postmap finds every
# key of archmail's table by its original spelling.
#
#	tests/interop/unicode.sh ARCHMAIL_BINARY	(from the repo root)
. tests/testlib.sh "$1"
. tests/interop/interop_lib.bash

src=$T/casefold.map
keys=$T/casefold.keys
python3 - "$src" "$keys" <<'PY'
import sys

chars = [chr(cp) for cp in range(0x110000)
         if not 0xD800 <= cp <= 0xDFFF and chr(cp).casefold() != chr(cp)]
with open(sys.argv[1], "w", encoding="utf-8") as src, \
        open(sys.argv[2], "w", encoding="utf-8") as keys:
    for c in chars:
        key = "k%sx@Example.ORG" % c
        src.write("%s U+%04X-%s\n" % (key, ord(c), c))
        keys.write(key + "\n")
    # Runs of folding characters, each key well under 510 bytes even
    # when every character grows threefold.
    for i in range(0, len(chars), 40):
        key = "run-" + "".join(chars[i:i + 40])
        src.write("%s run%d\n" % (key, i))
        keys.write(key + "\n")
    sys.stderr.write("%d code points\n" % len(chars))
    # Every other code point too, 40 to a key (case folding has no
    # context), so that a mapping Python's Unicode tables lack but ICU's
    # have is still covered.
    rest = [chr(cp) for cp in range(0x80, 0x110000)
            if not 0xD800 <= cp <= 0xDFFF and chr(cp).casefold() == chr(cp)]
    for i in range(0, len(rest), 40):
        key = "all-" + "".join(rest[i:i + 40])
        src.write("%s all%d\n" % (key, i))
        keys.write(key + "\n")
PY
n=$(wc -l <"$src")
check "the generated map has over 1000 keys ($n)" test "$n" -gt 1000

compare_build "casefold map, smtputf8_enable = yes" utf8 postmap "$src"
compare_build "casefold map, -u" ascii postmap "$src" -u
utf8_records=$T/utf8.records
cp "$T/utf8/pf.records" "$utf8_records"

# Real postmap looks every key up by its original spelling in archmail's
# table, and answers as it does from its own.
for side in am pf; do
	(cd "$T/utf8/$side" && "$PF_POSTMAP" -c "$PFCONF" -q - lmdb:src \
	    <"$keys" >"$T/query.$side")
done
check "every key is found in archmail's table" test \
    "$(wc -l <"$T/query.am")" -eq "$n"
check "real postmap -q - answers the same from both tables" \
    cmp -s "$T/query.pf" "$T/query.am"

# smtputf8_enable = no: only A-Z are folded, by both.
mkdir -p "$T/conf-ascii"
sed 's/^smtputf8_enable = yes/smtputf8_enable = no/' "$PFCONF/main.cf" \
    >"$T/conf-ascii/main.cf"
check "the ASCII config turns SMTPUTF8 off" grep -q \
    '^smtputf8_enable = no' "$T/conf-ascii/main.cf"
PFCONF=$T/conf-ascii compare_build "casefold map, smtputf8_enable = no" \
    noutf8 postmap "$src"
check_fails "ASCII-only folding stores different keys than ICU folding" \
    cmp -s "$utf8_records" "$T/noutf8/pf.records"

finish
