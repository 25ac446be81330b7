#!/bin/bash
# archmail passwd clear|set|status on a temporary --root: the PAM nullok
# guard (include, substack, @include, nullok_secure; with --no-expire any
# nullok refuses, by default only where the account phase lets an expired
# password through), refusals, hashes that mkpasswd wrote verified by
# archmail and hashes archmail wrote verified by the system's crypt(3),
# set --generate --expire, and real passwd -S -R reading the result.
#
# usage (from the repository root): bash tests/cli/passwd.sh ARCHMAIL
. tests/testlib.sh

R=$T/root
am() { "$ARCHMAIL" --root "$R" --lock-timeout 2 "$@"; }
crypt_ok() {
	python3 -W ignore -c 'import crypt, sys
sys.exit(0 if crypt.crypt(sys.argv[1], sys.argv[2]) == sys.argv[2] else 1)' "$1" "$2"
}
field() { awk -F: -v u="$1" -v f="$2" '$1 == u { print $f }' "$R/etc/shadow"; }
today=$(( $(date -u +%s) / 86400 ))
alice_hash=$(echo 'alice pw' | mkpasswd -s -m yescrypt)
bob_hash=$(echo 'bob pw' | mkpasswd -s -m sha-512 -R 5000)

mkdir -p "$R/etc/pam.d"
cat > "$R/etc/passwd" <<EOF
root:x:0:0:root:/root:/bin/bash
alice:x:1000:1000:Alice:/home/alice:/bin/bash
bob:x:1001:1001:Bob:/home/bob:/bin/bash
aur:x:1002:65534:SMTP Relay Account for aur.archlinux.org:/home/aur.archlinux.org:/usr/bin/nologin
nosh:x:1003:1003::/home/nosh:/bin/bash
EOF
cat > "$R/etc/shadow" <<EOF
root:\$6\$abc\$def:19000:0:99999:7:::
alice:$alice_hash:19000:0:99999:7:::
bob:$bob_hash:19000:0:99999:7:::
aur:!:19000::::::
+::::::::
EOF
chmod 640 "$R/etc/shadow"

# Debian: dovecot -> @include common-auth with nullok.
printf '#%%PAM-1.0\n@include common-auth\n@include common-account\n' \
    > "$R/etc/pam.d/dovecot"
printf 'auth\t[success=1 default=ignore]\tpam_unix.so nullok
auth\trequisite\t\t\tpam_deny.so
auth\trequired\t\t\tpam_permit.so\n' > "$R/etc/pam.d/common-auth"
sha=$(sha1sum < "$R/etc/shadow")

am passwd clear alice --no-expire 2>"$T/err"
check_eq "clear with nullok (via @include): exit 78" 78 $?
check "message names the PAM file and line" \
    grep -q 'common-auth, line 1: pam_unix is used with nullok' "$T/err"
check_eq "refused clear: shadow unchanged" "$sha" "$(sha1sum < "$R/etc/shadow")"
out=$(am --json passwd clear alice --no-expire 2>/dev/null)
check "JSON error CONFIG" grep -q '"code":"CONFIG"' <<<"$out"

# Arch: dovecot -> include system-auth -> substack system-login.
rm "$R/etc/pam.d/dovecot" "$R/etc/pam.d/common-auth"
printf 'auth include system-auth\naccount include system-auth\n' \
    > "$R/etc/pam.d/dovecot"
printf 'auth substack system-login\n# auth sufficient pam_unix.so nullok\n' \
    > "$R/etc/pam.d/system-auth"
printf 'auth required pam_unix.so try_first_pass nullok\n' \
    > "$R/etc/pam.d/system-login"
am passwd clear alice --no-expire 2>/dev/null
check_eq "clear with nullok (via include+substack): exit 78" 78 $?
check_eq "still unchanged" "$sha" "$(sha1sum < "$R/etc/shadow")"

# nullok_secure is nullok: Debian keeps it as an alias, and pam_unix
# matches its options by prefix anyway.
printf 'auth required pam_unix.so try_first_pass nullok_secure\n' \
    > "$R/etc/pam.d/system-login"
am passwd clear alice --no-expire 2>"$T/err"
check_eq "clear with nullok_secure: exit 78" 78 $?
check "nullok_secure: file and line" \
    grep -q 'system-login, line 1: pam_unix is used with nullok' "$T/err"

# Without nullok (comments do not count).
printf 'auth required pam_unix.so try_first_pass\n' \
    > "$R/etc/pam.d/system-login"
am passwd clear root 2>/dev/null
check_eq "clear root: exit 65" 65 $?
am passwd clear aur 2>/dev/null
check_eq "clear relay account: exit 65" 65 $?
am passwd clear nobody 2>/dev/null
check_eq "clear unknown user: exit 67" 67 $?
am passwd clear nosh 2>/dev/null
check_eq "user without a shadow entry: exit 65" 65 $?
check_eq "refusals left shadow unchanged" "$sha" "$(sha1sum < "$R/etc/shadow")"

am passwd clear alice --check >/dev/null
check_eq "clear --check: exit 1 (pending)" 1 $?
am passwd clear alice 2>/dev/null >/dev/null
check_eq "clear without nullok" 0 $?
check_eq "empty field, expired (last change 0)" "alice::0:0:99999:7:::" \
    "$(grep '^alice:' "$R/etc/shadow")"
check_eq "other lines byte-for-byte" \
    "$(grep -v '^alice:' <<<"$(cat "$R/etc/shadow-")")" \
    "$(grep -v '^alice:' "$R/etc/shadow")"
check_eq "backup shadow- holds the old file" "$sha" \
    "$(sha1sum < "$R/etc/shadow-")"
check_eq "mode kept" 640 "$(stat -c %a "$R/etc/shadow")"
check "real passwd -S -R says NP" \
    grep -q '^alice NP ' <<<"$(passwd -R "$R" -S alice)"
check "status says NP, expired" grep -qx \
    'alice NP must-change none (expired; must be changed at next login)' \
    <<<"$(am passwd status alice)"
check "status JSON: expired" grep -q '"last_change":"must-change","expired":true' \
    <<<"$(am --json passwd status alice)"
sha=$(sha1sum < "$R/etc/shadow")
am passwd clear alice >/dev/null 2>&1
check_eq "clear again: unchanged" "$sha" "$(sha1sum < "$R/etc/shadow")"
am passwd clear bob --allow-nullok 2>/dev/null >/dev/null
check_eq "--allow-nullok (no nullok here)" 0 $?

# set: mkpasswd's hash verifies in archmail -> nothing written.
printf 'auth required pam_unix.so nullok\n' > "$R/etc/pam.d/system-login"
cat > "$R/etc/archmail.conf" <<EOF
password_scheme = yescrypt
password_cost = 5
EOF
sed -i -e "s|^alice:[^:]*:|alice:$alice_hash:|" \
    -e "s|^bob:[^:]*:|bob:$bob_hash:|" "$R/etc/shadow"
sha=$(sha1sum < "$R/etc/shadow")
echo 'alice pw' | am passwd set alice --password-stdin 2>/dev/null >/dev/null
check_eq "set: mkpasswd yescrypt hash verifies, unchanged" "$sha" \
    "$(sha1sum < "$R/etc/shadow")"
echo 'bob pw' | am passwd set bob --password-stdin --scheme sha512 \
    --rounds 5000 >/dev/null 2>&1
check_eq "set: mkpasswd sha512 hash verifies, unchanged" "$sha" \
    "$(sha1sum < "$R/etc/shadow")"
# Same password, another scheme than configured: rehashed.
echo 'bob pw' | am passwd set bob --password-stdin >/dev/null 2>&1
check_eq "set: sha512 -> yescrypt policy rehash" 0 $?
check "bob now yescrypt" grep -q '^bob:\$y\$j9T\$' "$R/etc/shadow"
check "archmail hash verifies in crypt(3)" crypt_ok 'bob pw' "$(field bob 2)"
check_fails "and not another password" crypt_ok 'bob pW' "$(field bob 2)"
check_eq "last change today" "$today" "$(field bob 3)"
exec 5<<<'from fd five'
am passwd set alice --password-fd 5 >/dev/null 2>&1
check_eq "set --password-fd" 0 $?
exec 5<&-
check "password from fd verifies" crypt_ok 'from fd five' "$(field alice 2)"
echo x | am passwd set alice --password-stdin --cost 99 2>/dev/null
check_eq "bad cost: exit 64" 64 $?
am passwd set alice 2>/dev/null
check_eq "set without a password source: exit 64" 64 $?
echo x | am passwd set nobody --password-stdin 2>/dev/null
check_eq "set unknown user: exit 67" 67 $?
check "NIS line kept" grep -qx '+::::::::' "$R/etc/shadow"

out=$(am --json passwd status bob)
check "status JSON" grep -q '"state":"P".*"scheme":"yescrypt","cost":5' <<<"$out"
check "status of root: sha512" grep -q '^root P ' <<<"$(am passwd status root)"
check_fails "no lock files left" compgen -G "$R/etc/*.lock"

# The ways the old guard failed open: each refused with file and line.
# A second root; everything below writes only under $T.
R2=$T/root2
test -n "$T" && mkdir -p "$R2/etc/pam.d" || exit 1
am2() { "$ARCHMAIL" --root "$R2" --lock-timeout 2 "$@"; }
printf '%s\n' 'root:x:0:0:root:/root:/bin/bash' \
    'daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin' \
    'carol:x:1000:1000:Carol:/home/carol:/bin/bash' \
    'svc:x:1500:1500::/home/svc:/usr/sbin/nologin' \
    'fls:x:1501:1501::/home/fls:/bin/false' \
    'lck:x:1502:1502::/home/lck:/bin/bash' \
    'noid:x::1503::/home/noid:/bin/bash' \
    'badid:x:15x4:1504::/home/badid:/bin/bash' \
    'sysuid:x:999:999::/home/sysuid:/bin/bash' > "$R2/etc/passwd"
printf '%s\n' 'root:*:19000:0:99999:7:::' 'daemon:*:19000:0:99999:7:::' \
    "carol:$alice_hash:19000:0:99999:7:::" \
    "svc:$alice_hash:19000:0:99999:7:::" \
    "fls:$alice_hash:19000:0:99999:7:::" \
    "lck:!$alice_hash:19000:0:99999:7:::" \
    "noid:$alice_hash:19000:0:99999:7:::" \
    "badid:$alice_hash:19000:0:99999:7:::" \
    "sysuid:$alice_hash:19000:0:99999:7:::" > "$R2/etc/shadow"
chmod 640 "$R2/etc/shadow"
sha2=$(sha1sum < "$R2/etc/shadow")
pamd=$R2/etc/pam.d
refused() { # DESC FILE LINE: clearing carol is refused at FILE, line LINE
	am2 passwd clear carol --no-expire 2>"$T/err2"
	check_eq "$1: exit 78" 78 $?
	check "$1: names $2, line $3" grep -q "/$2, line $3: " "$T/err2"
}
printf 'auth required pam_deny.so\n' > "$pamd/other"
printf 'auth required pam_unix.so \\ \n\tnullok\n' > "$pamd/dovecot"
refused "backslash then blanks" dovecot 1
printf 'auth required pam_unix.so \\\n# comment\n\n   nullok\n' \
    > "$pamd/dovecot"
refused "comment and blank line in a continuation" dovecot 1
printf '\nauth required pam_unix.so [nullok]\n' > "$pamd/dovecot"
refused "bracketed [nullok]" dovecot 2
{ printf 'auth required pam_unix.so'; printf ' debug%.0s' $(seq 70)
  printf ' nullok\n'; } > "$pamd/dovecot"
refused "nullok after 70 arguments" dovecot 1
rm "$pamd/dovecot"
printf '# fallback\nauth sufficient pam_unix.so nullok\nauth required %s\n' \
    pam_deny.so > "$pamd/other"
refused "no service file: other" other 2
printf 'auth required pam_deny.so\n' > "$pamd/other"
for s in imap pop3 submission lmtp sieve managesieve smtp; do
	printf 'auth required pam_unix.so nullok\n' > "$pamd/$s"
	refused "service $s" "$s" 1
	rm "$pamd/$s"
done
printf 'auth required pam_unix.so\nauth include broken.d\n' > "$pamd/dovecot"
mkdir "$pamd/broken.d"
refused "include of a directory" dovecot 2
am2 passwd clear carol --allow-nullok 2>/dev/null
check_eq "a read error is not overridden by --allow-nullok" 78 $?
am2 passwd clear carol 2>/dev/null
check_eq "a read error refuses when expiring too" 78 $?
rmdir "$pamd/broken.d"
printf 'auth required pam_unix.so nullok\n' > "$pamd/dovecot"
am2 passwd clear carol --no-expire --allow-nullok --dry-run >/dev/null \
    2>"$T/err2"
check_eq "--allow-nullok: warns and goes on" 0 $?
check "--allow-nullok: the warning names the line" \
    grep -q 'dovecot, line 1: pam_unix is used with nullok' "$T/err2"
printf 'auth required pam_unix.so\n' > "$pamd/dovecot"
am2 passwd clear carol --dry-run >/dev/null 2>&1
check_eq "no nullok anywhere: carol can be cleared" 0 $?

# System accounts need --system; uid 0 and broken UIDs never pass.
for u in daemon sysuid svc fls lck; do
	am2 passwd clear $u --dry-run >/dev/null 2>"$T/err2"
	check_eq "clear system account $u: exit 65" 65 $?
	check "$u: says system account" grep -q 'is a system account' \
	    "$T/err2"
	am2 passwd clear $u --system --dry-run >/dev/null 2>&1
	check_eq "clear $u --system: proceeds" 0 $?
done
am2 passwd clear root --system 2>/dev/null
check_eq "root even with --system: exit 65" 65 $?
for u in noid badid; do
	am2 passwd clear $u --system 2>"$T/err2"
	check_eq "malformed UID ($u): exit 65" 65 $?
	check "$u: says malformed" grep -q 'malformed UID' "$T/err2"
done
printf 'UID_MIN 1600\n' > "$R2/etc/login.defs"
am2 passwd clear carol --dry-run 2>/dev/null
check_eq "UID_MIN from login.defs: carol (1000) is a system account" 65 $?
check_eq "refusals left root2's shadow unchanged" "$sha2" \
    "$(sha1sum < "$R2/etc/shadow")"

# Expiring (the default): refused only where a mail service's auth takes
# the empty password AND its account phase lets an expired one through.
R3=$T/root3
test -n "$T" && mkdir -p "$R3/etc/pam.d" || exit 1
am3() { "$ARCHMAIL" --root "$R3" --lock-timeout 2 "$@"; }
cp "$R2/etc/passwd" "$R2/etc/shadow" "$R3/etc/"
sha3=$(sha1sum < "$R3/etc/shadow")
p3=$R3/etc/pam.d
# Arch (pambase): nullok in auth, pam_unix required in account.
printf 'auth include system-auth\naccount include system-auth\n' \
    > "$p3/dovecot"
cp tests/pam/arch-system-auth "$p3/system-auth"
printf 'auth required pam_deny.so\naccount required pam_deny.so\n' \
    > "$p3/other"
am3 passwd clear carol --no-expire 2>"$T/err3"
check_eq "Arch stack, --no-expire: nullok refuses (78)" 78 $?
check "--no-expire: names system-auth, line 5" \
    grep -q '/system-auth, line 5: pam_unix is used with nullok' "$T/err3"
out=$(am3 --json passwd clear carol 2>"$T/err3")
check_eq "Arch stack: clear expires and succeeds" 0 $?
check "JSON: changed and expired" \
    grep -q '"changed":true.*"user":"carol","expired":true' <<<"$out"
check_eq "carol: empty, last change 0" "carol::0:0:99999:7:::" \
    "$(grep '^carol:' "$R3/etc/shadow")"
check_fails "no warning" test -s "$T/err3"
check "text: says the owner must set a password" \
    grep -q 'carol: expired: the owner must set a password' \
    <<<"$(am3 passwd clear carol)"
check "real passwd -S -R: NP, changed 1970-01-01" \
    grep -q '^carol NP 1970-01-01 ' <<<"$(passwd -R "$R3" -S carol)"
# Debian's common-account: new_authtok_reqd=done fails the stack.
printf '@include common-auth\n@include common-account\n' > "$p3/dovecot"
printf 'auth [success=1 default=ignore] pam_unix.so nullok
auth requisite pam_deny.so\nauth required pam_permit.so\n' \
    > "$p3/common-auth"
printf 'account [success=1 new_authtok_reqd=done default=ignore] pam_unix.so
account requisite pam_deny.so\naccount required pam_permit.so\n' \
    > "$p3/common-account"
cp "$R2/etc/shadow" "$R3/etc/shadow"
am3 passwd clear carol >/dev/null 2>&1
check_eq "Debian stack: clear expires and succeeds" 0 $?
# An account phase without pam_unix lets the expired password in.
cp "$R2/etc/shadow" "$R3/etc/shadow"
printf 'account required pam_permit.so\n' > "$p3/common-account"
am3 passwd clear carol 2>"$T/err3"
check_eq "account without pam_unix: exit 78" 78 $?
check "names the nullok line and the account stack" grep -q \
    "common-auth, line 1: .*even expired: its account stack (.*common-account, line 1)" \
    "$T/err3"
check_eq "refused: shadow unchanged" "$sha3" "$(sha1sum < "$R3/etc/shadow")"
out=$(am3 --json passwd clear carol 2>/dev/null)
check "JSON: error CONFIG with file and line" \
    grep -q '"code":"CONFIG".*"file":"[^"]*common-auth","line":1' <<<"$out"
printf 'account [new_authtok_reqd=ignore default=bad] pam_unix.so
account required pam_permit.so\n' > "$p3/common-account"
am3 passwd clear carol 2>/dev/null
check_eq "account ignoring new_authtok_reqd: exit 78" 78 $?
am3 passwd clear carol --allow-nullok 2>"$T/err3" >/dev/null
check_eq "--allow-nullok overrides, with a warning" 0 $?
check "the warning names the line" \
    grep -q 'warning: .*common-auth, line 1: .*even expired' "$T/err3"
am3 passwd clear carol --no-expire --allow-nullok >/dev/null 2>&1
check_eq "--no-expire --allow-nullok: last change today" \
    "carol::$today:0:99999:7:::" "$(grep '^carol:' "$R3/etc/shadow")"
check "status: NP today, not expired" grep -qx \
    "carol NP $(date -u +%F) none" <<<"$(am3 passwd status carol)"

# set --generate --expire: printed once (USER:PASSWORD), hashed, expired.
cp "$R2/etc/shadow" "$R3/etc/shadow"
out=$(am3 passwd set carol --generate --expire 2>"$T/err3")
check_eq "set --generate --expire" 0 $?
gen=$(sed -n 's/^carol:\([^ ]*\)$/\1/p' <<<"$out")
check_eq "one password line, 32 characters" 32 "${#gen}"
check "hash verifies the printed password" crypt_ok "$gen" \
    "$(awk -F: '$1 == "carol" { print $2 }' "$R3/etc/shadow")"
check "yescrypt (the configured scheme)" \
    grep -q '^carol:\$y\$j9T\$' "$R3/etc/shadow"
check_eq "last change 0" 0 \
    "$(awk -F: '$1 == "carol" { print $3 }' "$R3/etc/shadow")"
check "status: P, expired" \
    grep -q '^carol P must-change yescrypt .*(expired' \
    <<<"$(am3 passwd status carol)"
out=$(am3 --json passwd set carol --generate --expire 2>/dev/null)
check_eq "--generate with --json: usage error" 64 $?
check "JSON usage error" grep -q '"code":"USAGE"' <<<"$out"
sha3=$(sha1sum < "$R3/etc/shadow")
out=$(am3 passwd set carol --generate --dry-run 2>/dev/null)
check_eq "--generate --dry-run: exit 0" 0 $?
check_fails "--dry-run prints no password" grep -q '^carol:' <<<"$out"
check_eq "--dry-run wrote nothing" "$sha3" "$(sha1sum < "$R3/etc/shadow")"
printf 'pw of carol\n' | am3 passwd set carol --password-stdin --expire \
    >/dev/null 2>&1
check "set --password-stdin --expire: verifies" crypt_ok 'pw of carol' \
    "$(awk -F: '$1 == "carol" { print $2 }' "$R3/etc/shadow")"
check_eq "and expired" 0 \
    "$(awk -F: '$1 == "carol" { print $3 }' "$R3/etc/shadow")"
printf 'pw of carol\n' | am3 passwd set carol --password-stdin \
    >/dev/null 2>&1
check_eq "same password without --expire: unchanged (still expired)" 0 \
    "$(awk -F: '$1 == "carol" { print $3 }' "$R3/etc/shadow")"

# Not root: the lock files cannot be made, and the message says what to
# do instead of a bare "Permission denied"; nothing is written.
chmod 755 "$T" "$R3" "$R3/etc"
sha3=$(sha1sum < "$R3/etc/shadow")
out=$(as_nobody archmail --root "$R3" passwd clear carol 2>&1)
check_eq "not root: exit 77" 77 $?
check "... says to run as root" grep -q 'run as root' <<<"$out"
check_eq "... wrote nothing" "$sha3" "$(sha1sum < "$R3/etc/shadow")"

finish
