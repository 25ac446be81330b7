#!/bin/bash
# users apply / alias apply (archmail-users(8), archmail-alias(8), BATCHES):
# JSON Lines, one change per line, all or nothing.  A bad line in the
# middle (not JSON, an unknown field, an invalid address, an entry that
# conflicts with what an earlier line or the file holds) is exit 65 naming
# the input and the line, and no byte of the source or its table changes
# (checksums).  10,000 entries in one users apply give the same text and,
# record for record (real postmap -s), the same table as 10,000 single
# users add.  --dry-run/--check, per-entry "changed" in --json,
# idempotency, stdin and a file.
# usage (from the repository root): bash tests/cli/apply.sh ARCHMAIL
. tests/testlib.sh
. tests/lib/relay_root.bash

for tool in postmap postalias python3 sha256sum; do
	require_tool "$tool" || { finish; exit 1; }
done

mkroot() {
	local r=$1
	rm -rf "$r"
	mkdir -p "$r/etc/postfix"
	cp "$PFCONF/main.cf" "$r/etc/postfix/main.cf"
	printf 'root:x:0:0:root:/root:/bin/bash\nbob:x:1001:1001::/home/bob:/bin/sh\n' \
	    >"$r/etc/passwd"
	printf '# Staff\nm@archlinux.org\tbob\ns@archlinux.org\tbob\n\n# Developers\nzed@archlinux.org\tbob\nabe@archlinux.org\tbob\n' \
	    >"$r/etc/postfix/users"
	printf 'postmaster: root\nabuse: postmaster\n' >"$r/etc/postfix/aliases"
	"$ARCHMAIL" --root "$r" users add first@archlinux.org bob \
	    --category staff >/dev/null 2>&1
	"$ARCHMAIL" --root "$r" alias add first root >/dev/null 2>&1
}
R=$T/root
mkroot "$R"
PF=$R/etc/postfix
am() { "$ARCHMAIL" --root "$R" --lock-timeout 5 "$@"; }
sums() { (cd "$PF" && sha256sum users users.lmdb aliases aliases.lmdb); }
records() { "$1" -c "$PF" -s "lmdb:$2" | grep -v '^YP_LAST_MODIFIED' | LC_ALL=C sort; }
jget() { python3 -c 'import json, sys
d = json.loads(sys.argv[1])
for k in sys.argv[2].split("."):
    d = d[int(k)] if k.isdigit() else d[k]
print(json.dumps(d))' "$1" "$2"; }

good1='{"action":"add","address":"ok1@archlinux.org","destination":"bob","category":"Staff"}'
good3='{"action":"add","address":"ok3@archlinux.org","destination":"bob","category":"Developers"}'

# --- all or nothing: a bad line in the middle -----------------------------
bad_line() {	# DESCRIPTION LINE2 [EXPECTED TEXT]
	local desc=$1 line=$2 want=${3:-} before out st
	before=$(sums)
	printf '%s\n%s\n%s\n' "$good1" "$line" "$good3" >"$T/in"
	out=$(am users apply "$T/in" 2>&1)
	st=$?
	check_eq "$desc: exit 65" 65 "$st"
	check "$desc: names the input and line 2" grep -q "$T/in, line 2:" <<<"$out"
	[ -n "$want" ] && check "$desc: says $want" grep -qF "$want" <<<"$out"
	check_eq "$desc: nothing written (checksums)" "$before" "$(sums)"
	check_fails "$desc: no table has line 1" \
	    postmap -c "$PF" -q ok1@archlinux.org "lmdb:$PF/users"
}
bad_line "not JSON" '{"action":"add",' "not JSON"
bad_line "not an object" '["add"]' "one JSON object"
bad_line "unknown field" '{"action":"add","address":"x@archlinux.org","destination":"bob","category":"Staff","colour":"red"}' 'unknown field "colour"'
bad_line "invalid address" '{"action":"add","address":"no-at-sign","destination":"bob","category":"Staff"}' "no-at-sign"
bad_line "injected newline" '{"action":"add","address":"x@archlinux.org","destination":"bob\nevil@archlinux.org bob","category":"Staff"}'
bad_line "bad action" '{"action":"delete","address":"x@archlinux.org"}' '"delete"'
bad_line "destination not a string" '{"action":"add","address":"x@archlinux.org","destination":7,"category":"Staff"}' '"destination"'
bad_line "no category where the file has them" '{"action":"add","address":"x@archlinux.org","destination":"bob"}' "category"
bad_line "exists with another value" '{"action":"add","address":"m@archlinux.org","destination":"other@example.org","category":"Staff"}' "exists with a different value"
# A conflict with an earlier line of the same batch (line 1 adds ok1).
before=$(sums)
printf '%s\n%s\n' "$good1" '{"action":"add","address":"ok1@archlinux.org","destination":"alice@example.org","category":"Staff"}' >"$T/in"
out=$(am --json users apply "$T/in" 2>/dev/null)
check_eq "conflict with an earlier line: exit 65" 65 $?
check_eq "... error code" '"EXISTS_DIFFERENT"' "$(jget "$out" error.code)"
check_eq "... error line" 2 "$(jget "$out" error.line)"
check_eq "... nothing written" "$before" "$(sums)"
# The alias side.
before=$(sums)
printf '%s\n%s\n%s\n' '{"action":"add","name":"a1","value":"root"}' \
    '{"action":"add","name":"bad@name","value":"root"}' \
    '{"action":"add","name":"a3","value":"root"}' |
	am alias apply - >"$T/out" 2>&1
check_eq "alias apply, bad name on line 2: exit 65" 65 $?
check "... names stdin, line 2" grep -q "stdin, line 2:" "$T/out"
check_eq "... nothing written" "$before" "$(sums)"

# --- a good batch: later lines see earlier ones ---------------------------------
printf '%s\n' "$good1" \
    '{"action":"add","address":"ok1@archlinux.org","destination":"bob","category":"Staff"}' \
    '{"action":"add","address":"ok1@archlinux.org","destination":["bob","x@example.org"],"replace":true}' \
    '{"action":"remove","address":"s@archlinux.org"}' \
    '{"action":"remove","address":"never@archlinux.org"}' \
    '{"action":"add","address":"new@archlinux.org","destination":"bob","new_category":"Fresh","note":"why","date":true}' \
    '{"action":"add","address":"new2@archlinux.org","destination":"bob","new_category":"Fresh"}' >"$T/in"
before=$(sums)
out=$(am --json users apply --check "$T/in" 2>/dev/null)
check_eq "--check with changes: exit 1" 1 $?
check_eq "--check: would_change" true "$(jget "$out" would_change)"
check "--check: a diff" grep -q '+ok1@archlinux.org' <<<"$(jget "$out" diff)"
out=$(am users apply --dry-run "$T/in" 2>/dev/null)
check_eq "--dry-run: exit 0" 0 $?
check "--dry-run: prints the diff" grep -q '^+new2@archlinux.org' <<<"$out"
check_eq "--check/--dry-run: nothing written" "$before" "$(sums)"
out=$(am --json users apply "$T/in" 2>/dev/null)
check_eq "apply: exit 0" 0 $?
check_eq "apply: changed" true "$(jget "$out" changed)"
check_eq "apply: 7 entries" 7 "$(jget "$out" count)"
check_eq "entry 1: added, changed" '"added" true' \
    "$(jget "$out" entries.0.result) $(jget "$out" entries.0.changed)"
check_eq "entry 2 (same again): unchanged, not changed" '"unchanged" false' \
    "$(jget "$out" entries.1.result) $(jget "$out" entries.1.changed)"
check_eq "entry 3: replaced" '"replaced"' "$(jget "$out" entries.2.result)"
check_eq "entry 5: not present" '"not present" false' \
    "$(jget "$out" entries.4.result) $(jget "$out" entries.4.changed)"
check_eq "entry 7 uses the category entry 6 made" '"Fresh"' \
    "$(jget "$out" entries.6.category)"
check_eq "ok1 in the table with the replaced value" "bob, x@example.org" \
    "$(postmap -c "$PF" -q ok1@archlinux.org "lmdb:$PF/users")"
check_fails "s@ removed from the table" postmap -c "$PF" -q s@archlinux.org "lmdb:$PF/users"
check_eq "the new category once in the text" 1 "$(grep -c '^# Fresh$' "$PF/users")"
# Idempotent: the batch's last five lines (its first two would now
# conflict with its third) again write nothing.
tail -n 5 "$T/in" >"$T/in5"
mv "$T/in5" "$T/in"
before=$(sums)
m1=$(stat -c %y "$PF/users" "$PF/users.lmdb")
out=$(am --json users apply "$T/in" 2>/dev/null)
check_eq "again: exit 0" 0 $?
check_eq "again: changed false" false "$(jget "$out" changed)"
check_eq "again: no byte changed" "$before" "$(sums)"
check_eq "again: no mtime changed" "$m1" \
    "$(stat -c %y "$PF/users" "$PF/users.lmdb")"
out=$(am users apply --check "$T/in" 2>&1)
check_eq "again, --check: exit 0" 0 $?
# Blank lines are skipped; an empty input changes nothing.
printf '\n  \n' | am users apply - >/dev/null 2>&1
check_eq "empty input: exit 0" 0 $?
check_eq "empty input: nothing written" "$before" "$(sums)"
check_eq "missing input file: exit 66" 66 \
    "$(am users apply "$T/nonexistent" >/dev/null 2>&1; echo $?)"

# --- alias apply ---------------------------------------------------------------
printf '%s\n' '{"action":"add","name":"abuse2","value":["postmaster","root"]}' \
    '{"action":"remove","name":"abuse"}' \
    '{"action":"add","name":"hostmaster","value":"root","replace":false}' |
	am alias apply - >/dev/null 2>&1
check_eq "alias apply: exit 0" 0 $?
check_eq "alias apply: postalias -q abuse2" "postmaster, root" \
    "$(postalias -c "$PF" -q abuse2 "lmdb:$PF/aliases")"
check_fails "alias apply: abuse gone" postalias -c "$PF" -q abuse "lmdb:$PF/aliases"
mkdir -p "$T/full"
cp "$PF/aliases" "$T/full/aliases"
postalias -c "$PF" "lmdb:$T/full/aliases"
check_eq "alias apply: postalias -s equals the full rebuild's" \
    "$(records postalias "$T/full/aliases")" "$(records postalias "$PF/aliases")"

# --- relay apply ------------------------------------------------------------------
RR=$T/relayroot
make_root "$RR"
ar() { "$ARCHMAIL" --root "$RR" --lock-timeout 5 "$@"; }
rsums() {
	(cd "$RR" && sha256sum etc/passwd etc/shadow etc/postfwd/postfwd.cf \
	    etc/postfix/smtp_sender_map* root/c* 2>/dev/null; ls home)
}
printf 'pw-of-one\n' >"$T/pw1"
r1='{"action":"add","host":"one.archlinux.org","password_file":"'$T/pw1'","client_file":"'$RR/root/c1'"}'
r3='{"action":"add","host":"three.archlinux.org","generate":true,"client_file":"'$RR/root/c3'"}'
for bad in '{"action":"add","host":"nodot","generate":true,"client_file":"/x"}' \
    '{"action":"add","host":"two.archlinux.org","generate":true,"password_file":"/x"}' \
    '{"action":"add","host":"one.archlinux.org","generate":true,"client_file":"'$RR/root/c9'"}' \
    '{"action":"add","host":"two.archlinux.org","password":"inline"}' \
    '{"action":"add","host":"two.example.com","generate":true,"client_file":"'$RR/root/c2'"}' \
    'not json'; do
	before=$(rsums)
	printf '%s\n%s\n%s\n' "$r1" "$bad" "$r3" >"$T/rin"
	out=$(ar relay apply "$T/rin" 2>&1)
	check_eq "relay apply, bad line 2 ($bad): exit 65" 65 $?
	check "... names line 2" grep -q "$T/rin, line 2:" <<<"$out"
	check_eq "... nothing written" "$before" "$(rsums)"
done
check_fails "no account was made" grep -q '^one:' "$RR/etc/passwd"
printf '%s\n%s\n' "$r1" "$r3" >"$T/rin"
out=$(ar --json relay apply "$T/rin" 2>/dev/null)
check_eq "relay apply: exit 0" 0 $?
check_eq "relay apply: two entries, both changed" "2 true true" \
    "$(jget "$out" count) $(jget "$out" entries.0.changed) $(jget "$out" entries.1.changed)"
check_eq "relay apply: postmap -q @three" three \
    "$(postmap -c "$RR/etc/postfix" -q @three.archlinux.org "lmdb:$RR/etc/postfix/smtp_sender_map")"
check "relay apply: client line of one" grep -qx 'mail.archlinux.org one:pw-of-one' "$RR/root/c1"
check "relay apply: both in the postfwd block" grep -q 'sasl_username==three' \
    "$RR/etc/postfwd/postfwd.cf"
before=$(rsums)
out=$(ar --json relay apply "$T/rin" 2>/dev/null)
check_eq "relay apply again: changed false" false "$(jget "$out" changed)"
check_eq "relay apply again: nothing written" "$before" "$(rsums)"

# --- 10,000 entries: one apply equals 10,000 single adds ---------------------------
RA=$T/batch RB=$T/single
mkroot "$RA"
mkroot "$RB"
python3 - "$T/big" "$T/big.sh" <<'PY'
import json, sys
with open(sys.argv[1], "w") as j, open(sys.argv[2], "w") as s:
    for i in range(10000):
        cat = "Developers" if i % 3 else "Staff"
        addr = "u%05d@archlinux.org" % ((i * 7919) % 10000)
        dest = "bob" if i % 5 else "bob, x%d@example.org" % i
        e = {"action": "add", "address": addr, "destination": dest,
             "category": cat}
        args = ["users", "add", addr, dest, "--category", cat]
        j.write(json.dumps(e) + "\n")
        s.write(" ".join("'%s'" % a for a in args) + "\n")
PY
# New keys only, into a sorted (Staff) and an unsorted (Developers)
# category: the batch is planned in one pass (-v says so), and that plan
# must equal the 10,000 single adds.  (Batches with notes, removes and
# replaces go one by one: tests/unit/test_am_edit_batch.c compares both
# plans with single edits.)
start=$(date +%s)
"$ARCHMAIL" -v --root "$RA" users apply "$T/big" >/dev/null 2>"$T/big.err"
check_eq "10,000 in one apply: exit 0" 0 $?
check "10,000 in one apply: planned in one pass" \
    grep -q "10000 new entries planned in one pass" "$T/big.err"
echo "one apply of 10,000: $(($(date +%s) - start)) s"
start=$(date +%s)
bad=0
# A failed add is shown with its message (this loop found a one-byte
# overread at the end of the map text under ASan).
while IFS= read -r line; do
	eval "set -- $line"
	"$ARCHMAIL" --root "$RB" "$@" >/dev/null 2>"$T/single.err" || {
		rc=$?
		bad=$((bad + 1))
		[ "$bad" -le 3 ] && echo "failed ($rc): $line" &&
		    head -c 2000 "$T/single.err"
	}
done <"$T/big.sh"
echo "10,000 single adds: $(($(date +%s) - start)) s"
check_eq "10,000 single adds: all exit 0" 0 "$bad"
check "10,000: the same text" cmp "$RA/etc/postfix/users" "$RB/etc/postfix/users"
check_eq "10,000: the same records (postmap -s)" \
    "$(records postmap "$RB/etc/postfix/users")" \
    "$(records postmap "$RA/etc/postfix/users")"
check_eq "10,000: 10,005 records (5 before)" 10005 \
    "$(records postmap "$RA/etc/postfix/users" | wc -l)"

finish
