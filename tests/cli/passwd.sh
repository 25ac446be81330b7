#!/bin/bash
# archmail passwd clear|set|status on a temporary --root: the PAM nullok
# guard (include, substack, @include, nullok_secure), refusals, hashes that
# mkpasswd wrote verified by archmail and hashes archmail wrote verified
# by the system's crypt(3), and real passwd -S -R reading the result.
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
printf 'auth\t[success=1 default=ignore]\tpam_unix.so nullok\n' \
    > "$R/etc/pam.d/common-auth"
sha=$(sha1sum < "$R/etc/shadow")

am passwd clear alice 2>"$T/err"
check_eq "clear with nullok (via @include): exit 78" 78 $?
check "message names the PAM file and line" \
    grep -q 'common-auth, line 1: pam_unix is used with nullok' "$T/err"
check_eq "refused clear: shadow unchanged" "$sha" "$(sha1sum < "$R/etc/shadow")"
out=$(am --json passwd clear alice 2>/dev/null)
check "JSON error CONFIG" grep -q '"code":"CONFIG"' <<<"$out"

# Arch: dovecot -> include system-auth -> substack system-login.
rm "$R/etc/pam.d/dovecot" "$R/etc/pam.d/common-auth"
printf 'auth include system-auth\naccount include system-auth\n' \
    > "$R/etc/pam.d/dovecot"
printf 'auth substack system-login\n# auth sufficient pam_unix.so nullok\n' \
    > "$R/etc/pam.d/system-auth"
printf 'auth required pam_unix.so try_first_pass nullok\n' \
    > "$R/etc/pam.d/system-login"
am passwd clear alice 2>/dev/null
check_eq "clear with nullok (via include+substack): exit 78" 78 $?
check_eq "still unchanged" "$sha" "$(sha1sum < "$R/etc/shadow")"

# Without nullok (nullok_secure does not count; comments do not).
printf 'auth required pam_unix.so try_first_pass nullok_secure\n' \
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
check_eq "empty field, last change today" "alice::$today:0:99999:7:::" \
    "$(grep '^alice:' "$R/etc/shadow")"
check_eq "other lines byte-for-byte" \
    "$(grep -v '^alice:' <<<"$(cat "$R/etc/shadow-")")" \
    "$(grep -v '^alice:' "$R/etc/shadow")"
check_eq "backup shadow- holds the old file" "$sha" \
    "$(sha1sum < "$R/etc/shadow-")"
check_eq "mode kept" 640 "$(stat -c %a "$R/etc/shadow")"
check "real passwd -S -R says NP" \
    grep -q '^alice NP ' <<<"$(passwd -R "$R" -S alice)"
check "status says NP" grep -q '^alice NP ' <<<"$(am passwd status alice)"
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

finish
