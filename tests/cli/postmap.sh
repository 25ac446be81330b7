#!/bin/bash
# archmail postmap / postalias / newaliases beyond record equality (which
# tests/interop checks): modes and owners of tables, --json output, -i and
# -d in place, newaliases with --root, and the archmail improvements.
. tests/testlib.sh

PM() { "$ARCHMAIL" postmap -c "$PFCONF" "$@"; }
PA() { "$ARCHMAIL" postalias -c "$PFCONF" "$@"; }
mode() { stat -c %a "$1"; }
owner() { stat -c %U:%G "$1"; }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

cd "$T"
chmod 755 "$T"

# --- mode and owner of a new table (Postfix's rule) -------------------------
for m in 600:600 640:640 604:604 660:640 666:644 700:600 644:644; do
	src=${m%%:*} want=${m##*:}
	printf 'k v\n' > "m$src"
	chmod "$src" "m$src"
	PM "lmdb:m$src"
	check_eq "source mode $src gives table mode $want" "$want" "$(mode "m$src.lmdb")"
done
printf 'k v\n' > p600
chmod 600 p600
PM -p lmdb:p600
check_eq "-p gives 0644" 644 "$(mode p600.lmdb)"

printf 'k v\n' > owned
chown nobody:nogroup owned
PM lmdb:owned
check_eq "as root, a new table is owned like its source" nobody:nogroup "$(owner owned.lmdb)"
rm owned.lmdb
PM -o lmdb:owned
check_eq "-o keeps root as owner" root:root "$(owner owned.lmdb)"
chmod 600 owned.lmdb
chown nobody:nogroup owned.lmdb
printf 'k v2\n' > owned
chown root:root owned
PM lmdb:owned
check_eq "a rebuilt table keeps its mode" 600 "$(mode owned.lmdb)"
check_eq "a rebuilt table keeps its owner" nobody:nogroup "$(owner owned.lmdb)"
check_eq "and has the new content" v2 "$(PM -q k lmdb:owned)"

# --- the build replaces the file (atomic rename), readers never see less ---
printf 'a 1\n' > atom
PM lmdb:atom
ino1=$(stat -c %i atom.lmdb)
printf 'a 2\n' > atom
PM lmdb:atom
check "a rebuild is a new file renamed into place" test "$ino1" != "$(stat -c %i atom.lmdb)"
check_eq "no lock file or temporary file next to the table" "atom atom.lmdb" \
	"$(ls atom*  | tr '\n' ' ' | sed 's/ $//')"

# --- --json -----------------------------------------------------------------
printf 'Alice@Example.org alice\nbob bob\nbroken\n' > j
out=$("$ARCHMAIL" --json postmap -c "$PFCONF" lmdb:j 2>/dev/null)
check_eq "build --json: ok" True "$(echo "$out" | json 'd["ok"]')"
check_eq "build --json: file and records" "j.lmdb 2" \
	"$(echo "$out" | json 'd["files"][0]["path"], d["files"][0]["records"]' | tr -d "(),'")"
check_eq "build --json: the warning with its line" "j, line 3: expected format: key whitespace value" \
	"$(echo "$out" | json 'd["warnings"][0]')"
out=$("$ARCHMAIL" --json postmap -c "$PFCONF" -q ALICE@example.org lmdb:j)
check_eq "-q --json" "True alice lmdb:j" \
	"$(echo "$out" | json 'd["found"], d["results"][0]["value"], d["results"][0]["map"]' | tr -d "(),'")"
out=$("$ARCHMAIL" --json postmap -c "$PFCONF" -q nobody lmdb:j)
check_eq "-q --json not found: exit 1" 1 $?
check_eq "-q --json not found" False "$(echo "$out" | json 'd["found"]')"
out=$("$ARCHMAIL" --json postmap -c "$PFCONF" -s lmdb:j)
check_eq "-s --json" "alice@example.org bob" \
	"$(echo "$out" | json '" ".join(r["key"] for r in d["maps"][0]["records"])')"
out=$("$ARCHMAIL" --json postmap -c "$PFCONF" lmdb:nosuch 2>/dev/null)
check_eq "failure --json: code and message" "NOINPUT open nosuch: No such file or directory" \
	"$(echo "$out" | json 'd["error"]["code"], d["error"]["message"]' | tr -d "(),'")"
out=$(printf 'k "q\\\001\n' > jq; "$ARCHMAIL" --json postmap -c "$PFCONF" lmdb:jq; "$ARCHMAIL" --json postmap -c "$PFCONF" -s lmdb:jq)
check_eq "JSON escapes quotes, backslashes and control characters" '"q\'$'\001' \
	"$(echo "$out" | tail -1 | json 'd["maps"][0]["records"][0]["value"]')"

# --- -s lists every map ----------------------------------------------------
printf 'x 1\n' > s1
printf 'y 2\n' > s2
PM lmdb:s1 lmdb:s2
check_eq "-s dumps every listed map" "$(printf 'x\t1\ny\t2')" "$(PM -s lmdb:s1 lmdb:s2)"

# --- -i and -d in place -----------------------------------------------------
printf 'a 1\nb 2\n' > inc
PM -n lmdb:inc
ino=$(stat -c %i inc.lmdb)
printf 'C 3\na 9\n' | PM -i lmdb:inc 2> err.txt
check_eq "-i keeps the file (in place)" "$ino" "$(stat -c %i inc.lmdb)"
check "-i warns about an existing key with its line" grep -q "stdin, line 2: duplicate entry" err.txt
check_eq "-i into a -n table adds records without NUL too" 0 \
	"$(dump inc.lmdb | grep -c '\\00')"
check_eq "the -n table has all three keys" "$(printf 'a\nb\nc')" \
	"$(dump inc.lmdb | sed -n '1~2p' | tr -d ' ' | grep -v DATA=END)"
check_eq "real postmap finds the added key" 3 "$(postmap -c "$PFCONF" -q c lmdb:inc)"
check_eq "real postmap finds an old key" 1 "$(postmap -c "$PFCONF" -q a lmdb:inc)"
printf 'a 9\n' | PM -i -r lmdb:inc
check_eq "-i -r replaces" 9 "$(postmap -c "$PFCONF" -q a lmdb:inc)"
printf 'x 1\n' | PM -i lmdb:newinc
check_eq "-i creates a missing table" 1 "$(PM -q x lmdb:newinc)"
PM -d A lmdb:inc
check_eq "-d deletes (folded key): exit 0" 0 $?
check_fails "-d deleted it" postmap -c "$PFCONF" -q a lmdb:inc
PM -d A lmdb:inc
check_eq "-d of an absent key: exit 1" 1 $?
printf 'b\nc\nzz\n' | PM -d - lmdb:inc
check_eq "-d - deletes keys from stdin" "" "$(PM -s lmdb:inc)"

# --- postalias and newaliases ------------------------------------------------
mkdir -p root/etc/postfix
cat > root/etc/postfix/main.cf <<'CF'
myhostname = mx.example.org
alias_database = lmdb:/etc/aliases, $default_database_type:/etc/aliases.extra
CF
printf 'root: alice\nPostmaster: root\n' > root/etc/aliases
printf 'abuse: root\n' > root/etc/aliases.extra
check "newaliases --root builds every alias_database" \
	"$ARCHMAIL" --root "$T/root" newaliases
check_eq "newaliases: first table" alice "$(postalias -c "$PFCONF" -q root lmdb:root/etc/aliases)"
check_eq "newaliases: second table" root "$(postalias -c "$PFCONF" -q abuse lmdb:root/etc/aliases.extra)"
check_eq "postalias adds YP_MASTER_NAME = myhostname" mx.example.org \
	"$(postalias -c "$PFCONF" -f -q YP_MASTER_NAME lmdb:root/etc/aliases)"
check_eq "postalias -q - prints key:<TAB>value" "$(printf 'Postmaster:\troot')" \
	"$(printf 'Postmaster\nnone\n' | "$ARCHMAIL" postalias -c "$PFCONF" -q - lmdb:root/etc/aliases)"
printf 'alias_database = hash:/etc/aliases\n' > root/etc/postfix/main.cf
"$ARCHMAIL" --root "$T/root" newaliases 2> err.txt
check_eq "newaliases with a hash: alias_database: exit 1" 1 $?
check "and a message that says how to switch" grep -q "default_database_type = lmdb" err.txt
# newaliases is a mode of postmap: its own options only, no file operands.
"$ARCHMAIL" --root "$T/root" newaliases root/etc/aliases 2> err.txt
check_eq "newaliases with an operand: exit 1" 1 $?
check "names the operand" \
	grep -q 'unexpected argument "root/etc/aliases"' err.txt
"$ARCHMAIL" --root "$T/root" newaliases -q root 2> err.txt
check_eq "newaliases does not take postalias's -q: exit 1" 1 $?
check "invalid option -q" grep -q "invalid option -- 'q'" err.txt

# --- main.cf: default_database_type and smtputf8_enable ----------------------
mkdir conf2
printf 'smtputf8_enable = no\ndefault_database_type = lmdb\n' > conf2/main.cf
printf 'ÄÖÜ@Example.COM x\n' > u8
"$ARCHMAIL" postmap -c conf2 u8
check_eq "smtputf8_enable = no folds ASCII only" "ÄÖÜ@example.com" "$("$ARCHMAIL" postmap -c conf2 -s u8 | cut -f1)"
PM u8
check_eq "smtputf8_enable = yes folds with ICU" "äöü@example.com" "$(PM -s u8 | cut -f1)"

# --- -F: values name files, stored base64 --------------------------------
printf 'one\n' > f1.txt
printf 'two\n' > f2.txt
printf 'k f1.txt, f2.txt\n' > fmap
PM -F lmdb:fmap
check_eq "-F stores base64 of the files joined by a newline" "$(printf 'one\n\ntwo\n' | base64)" \
	"$(PM -q k lmdb:fmap)"
check_eq "-F -q decodes, like real postmap -F -q" "$(postmap -c "$PFCONF" -F -q k lmdb:fmap)" \
	"$(PM -F -q k lmdb:fmap)"
# As root, the files are read with the rights of the source's owner.
printf 'secret\n' > rootonly.txt
chmod 600 rootonly.txt
printf 'k %s\n' "$T/rootonly.txt" > fuser
chown nobody:nogroup fuser
PM -F lmdb:fuser 2> err.txt
check "-F as root with a nobody-owned source cannot read a root-only file" \
	grep -q "rootonly.txt: Permission denied: skipping this entry" err.txt
check_fails "and stores nothing for it" PM -q k lmdb:fuser
check_eq "root is root again afterwards (the table exists)" nobody:nogroup "$(owner fuser.lmdb)"

# --- usage -------------------------------------------------------------------
PM -q a -s lmdb:inc 2> err.txt
check_eq "-q with -s: exit 1" 1 $?
check "-q with -s: message" grep -q "specify only one of -s -q or -d" err.txt
PM -Z lmdb:inc 2> err.txt
check_eq "bad option: exit 1" 1 $?
check "bad option: usage" grep -q "^usage: archmail postmap" err.txt

finish
