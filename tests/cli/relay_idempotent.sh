#!/bin/bash
# relay add is idempotent (archmail-relay(8)): an existing relay account
# keeps its password.  A second relay add changes no byte of passwd,
# shadow, the client file, the sender map or postfwd.cf and says
# changed:false; a different password is refused unless
# --update-password; --generate with nothing to check against is refused
# and points to relay rotate; relay add needs a full host name inside the
# configured domains (--any-domain for others).  The client line is
# checked against the stored hash with the system's crypt(3) (Python's
# crypt module over libxcrypt), not with archmail.
#
# usage (from the repository root): bash tests/cli/relay_idempotent.sh ARCHMAIL
. tests/testlib.sh
. tests/lib/relay_root.bash

R=$T/root
am() { "$ARCHMAIL" --root "$R" --lock-timeout 2 "$@"; }
require_tool python3 || { finish; exit 1; }

# crypt_ok PASSWORD HASH: the system's crypt(3) agrees.
crypt_ok() {
	python3 -W ignore -c 'import crypt, sys
sys.exit(0 if crypt.crypt(sys.argv[1], sys.argv[2]) == sys.argv[2] else 1)' "$1" "$2"
}
hash_of() { awk -F: -v u="$1" '$1 == u { print $2 }' "$R/etc/shadow"; }
# The password of the client line "mail.archlinux.org USER:PASSWORD".
client_pw() { sed -n "s/^mail\\.archlinux\\.org $1://p" "$2"; }
# Every file relay add may write, by content.
sums() {
	(cd "$R" && sha256sum etc/passwd etc/shadow etc/postfix/smtp_sender_map \
	    etc/postfwd/postfwd.cf root/client-* 2>/dev/null)
}
changed_false() {
	python3 -c 'import json, sys
d = json.loads(sys.argv[1]); sys.exit(0 if d["ok"] and not d["changed"] else 1)' "$1"
}

make_root "$R"

# --- --generate with a client file ----------------------------------------
am relay add aur.archlinux.org --generate --client-file "$R/root/client-aur" \
    >/dev/null 2>&1
check_eq "first add --generate: exit 0" 0 $?
pw=$(client_pw aur "$R/root/client-aur")
check "the client line verifies against the stored hash" \
    crypt_ok "$pw" "$(hash_of aur)"
before=$(sums)
out=$(am relay add aur.archlinux.org --generate \
    --client-file "$R/root/client-aur" 2>&1)
check_eq "second add --generate: exit 0" 0 $?
check "... says HOST: unchanged" grep -q 'aur.archlinux.org: unchanged' \
    <<<"$out"
check_eq "... not a byte changed" "$before" "$(sums)"
out=$(am --json relay add aur.archlinux.org --generate \
    --client-file "$R/root/client-aur" 2>/dev/null)
check_eq "third add --generate --json: exit 0" 0 $?
check "... changed:false" changed_false "$out"
check_eq "... not a byte changed" "$before" "$(sums)"

# Nothing to check the password against: refused, pointing to rotate.
am relay add aur.archlinux.org --generate >"$T/out" 2>"$T/err"
check_eq "add --generate without --client-file: exit 65" 65 $?
check "... points to relay rotate" \
    grep -q 'relay rotate aur.archlinux.org' "$T/err"
check_eq "... prints no password" "" "$(cat "$T/out")"
check_eq "... not a byte changed" "$before" "$(sums)"
# A client file that holds another password.
printf 'mail.archlinux.org aur:not-the-password\n' > "$R/root/client-aur"
before=$(sums)
am relay add aur.archlinux.org --generate --client-file "$R/root/client-aur" \
    >/dev/null 2>"$T/err"
check_eq "add --generate, client file does not verify: exit 65" 65 $?
check "... points to relay rotate" \
    grep -q 'relay rotate aur.archlinux.org' "$T/err"
check_eq "... not a byte changed" "$before" "$(sums)"

# relay rotate is the way to a new password.
old=$(hash_of aur)
am relay rotate aur.archlinux.org --generate \
    --client-file "$R/root/client-aur" >/dev/null 2>&1
check_eq "relay rotate --generate: exit 0" 0 $?
pw=$(client_pw aur "$R/root/client-aur")
check "... a new hash" test "$(hash_of aur)" != "$old"
check "... the new client line verifies against it" \
    crypt_ok "$pw" "$(hash_of aur)"
check_fails "... the old one does not" crypt_ok not-the-password \
    "$(hash_of aur)"

# --- --password-stdin -------------------------------------------------------
echo 'pw-one' | am relay add bbs.archlinux.org --password-stdin \
    --client-file "$R/root/client-bbs" >/dev/null 2>&1
check_eq "first add --password-stdin: exit 0" 0 $?
check "... hash verifies" crypt_ok pw-one "$(hash_of bbs)"
before=$(sums)
out=$(echo 'pw-one' | am --json relay add bbs.archlinux.org \
    --password-stdin --client-file "$R/root/client-bbs" 2>/dev/null)
check_eq "same password again: exit 0" 0 $?
check "... changed:false" changed_false "$out"
check_eq "... not a byte changed" "$before" "$(sums)"
echo 'pw-two' | am relay add bbs.archlinux.org --password-stdin \
    --client-file "$R/root/client-bbs" >/dev/null 2>"$T/err"
check_eq "another password: exit 65" 65 $?
check "... names --update-password" grep -q -- '--update-password' "$T/err"
check_fails "... does not echo it" grep -q pw-two "$T/err"
check_eq "... not a byte changed" "$before" "$(sums)"
out=$(echo 'pw-two' | am --json relay add bbs.archlinux.org \
    --password-stdin --client-file "$R/root/client-bbs" 2>/dev/null)
check_eq "... --json: exit 65" 65 $?
check_eq "... --json: not a byte changed" "$before" "$(sums)"
echo 'pw-two' | am relay add bbs.archlinux.org --password-stdin \
    --update-password --client-file "$R/root/client-bbs" >/dev/null 2>&1
check_eq "another password with --update-password: exit 0" 0 $?
check "... the new hash verifies it" crypt_ok pw-two "$(hash_of bbs)"
check_fails "... and not the old one" crypt_ok pw-one "$(hash_of bbs)"
check "... the client line verifies" \
    crypt_ok "$(client_pw bbs "$R/root/client-bbs")" "$(hash_of bbs)"
check "pwck -r -R is clean" pwck -r -R "$R"

# --- host names ---------------------------------------------------------
before=$(root_sum "$R")
echo x | am relay add baz --password-stdin >/dev/null 2>"$T/err"
check_eq "relay add baz (no dot): exit 65" 65 $?
check "... says it is not a full host name" \
    grep -q 'not a full host name' "$T/err"
echo x | am relay add baz --password-stdin --any-domain >/dev/null 2>&1
check_eq "relay add baz --any-domain: still 65" 65 $?
echo x | am relay add web.example.com --password-stdin >/dev/null 2>"$T/err"
check_eq "host outside domains: exit 65" 65 $?
check "... names domains and --any-domain" \
    grep -q 'not in domains.*--any-domain' "$T/err"
echo x | am relay add archlinux.org --password-stdin >/dev/null 2>&1
check_eq "the domain itself is no relay host: exit 65" 65 $?
echo x | am relay add evilarchlinux.org --password-stdin >/dev/null 2>&1
check_eq "a name that only ends like the domain: exit 65" 65 $?
check_eq "refused names wrote nothing" "$before" "$(root_sum "$R")"
echo x | am relay add web.example.com --password-stdin --any-domain \
    >/dev/null 2>&1
check_eq "host outside domains with --any-domain: exit 0" 0 $?
printf 'domains = archlinux.org, example.net\n' > "$R/etc/archmail.conf"
echo x | am relay add mx.example.net --password-stdin >/dev/null 2>&1
check_eq "host in the second of domains: exit 0" 0 $?
echo x | am relay add mx.Example.org --password-stdin >/dev/null 2>&1
check_eq "upper case is no host name: exit 65" 65 $?
rm "$R/etc/archmail.conf"

finish
