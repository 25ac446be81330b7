#!/bin/bash
# Regression tests for the relay/passwd/postfwd defects found under attack
# (issue 9): a relay account without a shadow line, hand-made look-alikes of
# relay accounts, passwords that the relay host would read differently.
#
# usage (from the repository root): bash tests/cli/relay_attack.sh ARCHMAIL
. tests/testlib.sh
. tests/lib/relay_root.bash

R=$T/root
am() { "$ARCHMAIL" --root "$R" --lock-timeout 2 "$@"; }
in_block() {
	sed -n '/^# archmail: begin/,/^# archmail: end/p' \
	    "$R/etc/postfwd/postfwd.cf" | grep -q "sasl_username==$1;\?$"
}

# --- a relay account whose shadow line is missing --------------------------
# (a hand-written passwd line, or a crash between the two renames): listing
# the postfwd block read freed an uninitialised entry and aborted (134).
make_root "$R"
echo 'pw-aur-1' | am relay add aur.archlinux.org --password-stdin >/dev/null 2>&1
check_eq "setup: relay add aur" 0 $?
sed -i '/^aur:/d' "$R/etc/shadow"
echo 'pw-web-1' | am relay add web.archlinux.org --password-stdin \
    >/dev/null 2>"$T/err"
check_eq "relay add with a shadow-less relay account: exit 0" 0 $?
check_fails "... no abort" grep -q "invalid pointer\|AddressSanitizer" "$T/err"
check "... web is in the block" in_block web
check_fails "... the shadow-less aur is not (it cannot log in)" in_block aur
am postfwd sync >/dev/null 2>"$T/err"
check_eq "postfwd sync with a shadow-less relay account: exit 0" 0 $?

# --- look-alikes: the marker without relay_shell and relay_group -----------
make_root "$R"
printf 'alice:x:1001:1000:SMTP Relay Account for alice.archlinux.org:/home/alice:/bin/bash\n' >> "$R/etc/passwd"
printf 'alice:$y$j9T$abc$def:19000:0:99999:7:::\n' >> "$R/etc/shadow"
printf 'mallory:x:1002:65534:SMTP Relay Account for mallory.archlinux.org:/home/m:/bin/bash\n' >> "$R/etc/passwd"
printf 'mallory:$y$j9T$abc$def:19000:0:99999:7:::\n' >> "$R/etc/shadow"
printf 'eve:x:1003:1000:SMTP Relay Account for eve.archlinux.org:/home/e:/usr/bin/nologin\n' >> "$R/etc/passwd"
printf 'eve:$y$j9T$abc$def:19000:0:99999:7:::\n' >> "$R/etc/shadow"
am postfwd sync 2>"$T/err" >/dev/null
check_eq "postfwd sync with look-alikes: exit 0" 0 $?
for u in alice mallory eve; do
	check_fails "look-alike $u is not put in SASL_WHITELIST" in_block $u
	check "... and is reported" grep -q "\"$u\" has the relay marker" "$T/err"
done
out=$(am relay list 2>"$T/err")
check_eq "relay list leaves look-alikes out" "" "$out"
check "... and reports them" grep -q '"alice" has the relay marker' "$T/err"
out=$(am --json relay list 2>/dev/null)
check "relay list --json: warnings name the look-alike" \
    python3 -c 'import json,sys; d=json.loads(sys.argv[1]); sys.exit(0 if d["relays"] == [] and any("alice" in w for w in d["warnings"]) else 1)' "$out"
echo 'pw-alice-1' | am relay add alice.archlinux.org --password-stdin \
    >/dev/null 2>&1
check_eq "relay add over a look-alike: exit 65" 65 $?
echo 'pw-real-1' | am relay add real.archlinux.org --password-stdin \
    >/dev/null 2>&1
check_eq "a real relay account next to look-alikes" 0 $?
check "... is listed" in_block real
check_eq "... relay list shows exactly it" "real" \
    "$(am relay list 2>/dev/null | awk '{print $1}')"

# --- passwords the relay host would read differently -----------------------
make_root "$R"
echo 'pw-web-1' | am relay add web.archlinux.org --password-stdin >/dev/null 2>&1
before=$(root_sum "$R")
for pw in 'trailing ' ' leading' $'tab\tinside' $'esc\033inside' \
    $'del\177' $'cr\r' 'two lines
here'; do
	q=$(printf %q "$pw")
	printf '%s\n' "$pw" | am relay add new.archlinux.org --password-stdin \
	    >/dev/null 2>"$T/err"
	check_eq "relay add, password $q: exit 65" 65 $?
	check_fails "... the password is not echoed" grep -qF "$pw" "$T/err"
	printf '%s\n' "$pw" | am relay rotate web.archlinux.org \
	    --password-stdin >/dev/null 2>&1
	check_eq "relay rotate, password $q: exit 65" 65 $?
	printf '%s\n' "$pw" | am passwd set laurent --password-stdin \
	    >/dev/null 2>&1
	check_eq "passwd set, password $q: exit 65" 65 $?
done
check_eq "... nothing written by any of them" "$before" "$(root_sum "$R")"
printf 'inner blank ok\n' | am passwd set laurent --password-stdin >/dev/null 2>&1
check_eq "a blank inside a password is fine" 0 $?

finish
