#!/bin/bash
# archmail passwd clear|set against real PAM: pamtester runs the mail
# service's stack (pam_unix, pam_faillock, pam_permit, ... as installed)
# for the account archmail just changed.  Each run is a private mount
# namespace (unshare -m) in which the sysroot's scratch passwd, shadow and
# pam.d are bound over /etc/passwd, /etc/shadow and /etc/pam.d and a tmpfs
# over /run (pam_faillock's tally files): the machine's own files are never
# touched, and their checksums are compared at the end.
#
#  - Arch's system-auth (tests/pam/arch-system-auth: nullok in auth,
#    pam_unix required in account) and Debian's common-auth/common-account:
#    after "passwd clear", the empty password passes pam_authenticate but
#    pam_acct_mgmt refuses it ("new one required"); after "passwd clear
#    --no-expire --allow-nullok" both pass, with any password: the danger
#    the default avoids;
#  - an account phase without pam_unix: "passwd clear" exits 78 and
#    changes nothing, and pamtester shows why (the expired empty password
#    passes both phases there);
#  - "passwd set --generate --expire": the printed password authenticates,
#    and pam_acct_mgmt asks for a new one.
#
# usage (from the repository root, as root): bash tests/cli/passwd_pam_oracle.sh ARCHMAIL
. tests/testlib.sh

check "pamtester installed (tests/install-deps.sh)" require_tool pamtester
check "unshare installed" require_tool unshare
check "running as root (mount namespace)" test "$(id -u)" = 0
check "pam_unix.so installed" \
    test -e /lib/x86_64-linux-gnu/security/pam_unix.so
[ "$FAILED" -eq 0 ] || finish

host_sums() {
	{ sha256sum /etc/shadow /etc/passwd
	  find /etc/pam.d -type f -exec sha256sum {} + | sort; } 2>&1
}
before=$(host_sums)

R=$T/root
mkdir -p "$R/etc/pam.d" "$T/run"
am() { "$ARCHMAIL" --root "$R" --lock-timeout 2 "$@"; }
hash=$(printf 'old secret' | mkpasswd -s -m yescrypt)
printf '%s\n' 'root:x:0:0:root:/root:/bin/bash' \
    'carol:x:1000:1000:Carol:/home/carol:/bin/bash' > "$R/etc/passwd"
reset_shadow() {
	printf '%s\n' 'root:*:19000:0:99999:7:::' \
	    "carol:$hash:19000:0:99999:7:::" > "$R/etc/shadow"
	chmod 640 "$R/etc/shadow"
	rm -f "$R/etc/shadow-"
}
field() { awk -F: -v f="$1" '$1 == "carol" { print $f }' "$R/etc/shadow"; }

# pamt PASSWORD OPERATION...: pamtester dovecot carol OPERATION... on the
# sysroot's files, in a namespace of its own (bound after archmail's
# rename, so the mounts show the files as archmail left them).
pamt() {
	local pw=$1
	shift
	printf '%s\n' "$pw" | unshare -m /bin/sh -c '
		set -e
		mount --make-rprivate /
		mount --bind "$1/etc/passwd" /etc/passwd
		mount --bind "$1/etc/shadow" /etc/shadow
		mount --bind "$1/etc/pam.d" /etc/pam.d
		mount -t tmpfs tmpfs /run
		shift
		exec pamtester "$@"' sh "$R" dovecot carol "$@" 2>&1
}

# Arch (pambase's system-auth, with nullok; Dovecot's file includes it).
printf 'auth include system-auth\naccount include system-auth\n' \
    > "$R/etc/pam.d/dovecot"
cp tests/pam/arch-system-auth "$R/etc/pam.d/system-auth"
printf 'auth required pam_deny.so\naccount required pam_deny.so\n' \
    > "$R/etc/pam.d/other"
reset_shadow
out=$(pamt '' authenticate)
check_fails "control: before the reset, the empty password fails" \
    grep -q 'successfully authenticated' <<<"$out"
out=$(pamt 'old secret' authenticate acct_mgmt)
check "control: the old password passes both phases" \
    grep -q 'account management done' <<<"$out"

am passwd clear carol >/dev/null 2>"$T/err"
check_eq "Arch: passwd clear" 0 $?
check_eq "Arch: empty and expired" ":0" "$(field 2):$(field 3)"
out=$(pamt '' authenticate acct_mgmt)
rc=$?
check_fails "Arch: pamtester fails after the reset" test "$rc" = 0
check "Arch: nullok still lets the empty password authenticate" \
    grep -q 'successfully authenticated' <<<"$out"
check "Arch: acct_mgmt wants a new password" \
    grep -q 'new one required' <<<"$out"
out=$(pamt 'anything' authenticate acct_mgmt)
check_fails "Arch: any other password is refused as well" \
    grep -q 'account management done' <<<"$out"
check "passwd status: NP, expired" grep -qx \
    'carol NP must-change none (expired; must be changed at next login)' \
    <<<"$(am passwd status carol)"

# The danger --no-expire --allow-nullok lets through: any password works.
reset_shadow
am passwd clear carol --no-expire 2>/dev/null
check_eq "Arch: --no-expire refuses the nullok stack" 78 $?
am passwd clear carol --no-expire --allow-nullok >/dev/null 2>&1
check_eq "Arch: --no-expire --allow-nullok" 0 $?
out=$(pamt '' authenticate acct_mgmt)
check_eq "Arch, not expired: pamtester succeeds (the danger is real)" 0 $?
check "  authenticate and acct_mgmt both passed" \
    grep -q 'account management done' <<<"$out"
out=$(pamt 'any password at all' authenticate acct_mgmt)
check_eq "  even with an arbitrary password" 0 $?

# Debian's common-auth and common-account (new_authtok_reqd=done).
printf '@include common-auth\n@include common-account\n' \
    > "$R/etc/pam.d/dovecot"
printf 'auth [success=1 default=ignore] pam_unix.so nullok
auth requisite pam_deny.so\nauth required pam_permit.so\n' \
    > "$R/etc/pam.d/common-auth"
printf 'account [success=1 new_authtok_reqd=done default=ignore] pam_unix.so
account requisite pam_deny.so\naccount required pam_permit.so\n' \
    > "$R/etc/pam.d/common-account"
reset_shadow
am passwd clear carol >/dev/null 2>&1
check_eq "Debian: passwd clear" 0 $?
out=$(pamt '' authenticate acct_mgmt)
check_fails "Debian: pamtester fails after the reset" test $? = 0
check "Debian: acct_mgmt wants a new password" \
    grep -q 'new one required' <<<"$out"

# An account phase without pam_unix: clear refuses and changes nothing...
printf 'account required pam_permit.so\n' > "$R/etc/pam.d/common-account"
reset_shadow
sha=$(sha256sum < "$R/etc/shadow")
am passwd clear carol 2>"$T/err"
check_eq "no pam_unix in account: exit 78" 78 $?
check "the refusal names the nullok line" \
    grep -q 'common-auth, line 1: ' "$T/err"
check_eq "refused: shadow unchanged" "$sha" "$(sha256sum < "$R/etc/shadow")"
check_fails "refused: no backup written" test -e "$R/etc/shadow-"
# ... and PAM shows why: the expired empty password passes there.
sed -i "s|^carol:[^:]*:[^:]*:|carol::0:|" "$R/etc/shadow"
out=$(pamt 'anything' authenticate acct_mgmt)
check_eq "no pam_unix in account: expired + empty gets in (pamtester 0)" \
    0 $?

# set --generate --expire: the printed password works, and must change.
printf '@include common-auth\n@include common-account\n' \
    > "$R/etc/pam.d/dovecot"
printf 'account [success=1 new_authtok_reqd=done default=ignore] pam_unix.so
account requisite pam_deny.so\naccount required pam_permit.so\n' \
    > "$R/etc/pam.d/common-account"
reset_shadow
out=$(am passwd set carol --generate --expire 2>"$T/err")
check_eq "set --generate --expire" 0 $?
gen=$(sed -n 's/^carol:\([^ ]*\)$/\1/p' <<<"$out")
check_eq "one generated password of 32 characters" 32 "${#gen}"
check "python crypt verifies it" python3 -W ignore -c '
import crypt, sys
sys.exit(crypt.crypt(sys.argv[1], sys.argv[2]) != sys.argv[2])' \
    "$gen" "$(field 2)"
check_eq "last change 0" 0 "$(field 3)"
out=$(pamt "$gen" authenticate)
check "pam_unix authenticates the generated password" \
    grep -q 'successfully authenticated' <<<"$out"
out=$(pamt "$gen" authenticate acct_mgmt)
check "acct_mgmt: expired, a new one is required" \
    grep -q 'new one required' <<<"$out"
out=$(pamt 'old secret' authenticate)
check_fails "the old password no longer authenticates" \
    grep -q 'successfully authenticated' <<<"$out"

check_eq "the machine's /etc/shadow, /etc/passwd and /etc/pam.d untouched" \
    "$before" "$(host_sums)"
finish
