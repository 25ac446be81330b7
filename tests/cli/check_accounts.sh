#!/bin/bash
# archmail check, areas relay, postfwd, passwd and dkim, through the
# binary on a temporary --root built only by archmail commands (relay add,
# dkim keygen): clean -> exit 0 and no finding, for these areas and for a
# plain "archmail check"; each defect seeded alone -> exit 1 and exactly
# that finding (code, file, line) in --json; check changes nothing under
# the root (contents, modes, owners, mtimes); the fixing command a finding
# prints, run as printed, makes the finding go away.
#
# usage (from the repository root): bash tests/cli/check_accounts.sh ARCHMAIL
. tests/testlib.sh
. tests/lib/relay_root.bash

R=$T/root
CLEAN=$T/clean
ZONE=$T/archlinux.org.zone
KEYS=$R/var/lib/rspamd/dkim
am() { "$ARCHMAIL" --root "$R" --lock-timeout 2 "$@"; }

# Every entry under the root with what a write would change.
tree_state() {
	(cd "$R" && find . -printf '%p %i %m %U:%G %s %T@\n' | sort &&
	    find . -type f -print0 | sort -z | xargs -0 sha1sum)
}

# "code file line" of each finding of "check --json ARGS".
findings() {
	am --json check "$@" | python3 -c 'import json, sys
r = json.load(sys.stdin)
for f in r.get("findings", []):
    print(f["code"], f["file"], f["line"] if f["line"] is not None else 0)'
}

# The fix of the only finding, "archmail" run as the binary under test.
run_fix() {
	local fix
	fix=$(am --json check "$@" | python3 -c 'import json, sys
print(json.load(sys.stdin)["findings"][0]["fix"])')
	eval "${fix/#archmail /\"\$ARCHMAIL\" }" >/dev/null 2>&1
}

restore() {
	rm -rf "$R"
	cp -a "$CLEAN" "$R"
}

# The clean host: accounts, a relay account by relay add, rspamd's
# dkim_signing path and an rspamd 3.4 (Ed25519 only in rspamd's own form),
# two keys by dkim keygen, their records as the zone publishes them.
make_root "$R"
cat >> "$R/etc/passwd" <<'EOF'
_rspamd:x:998:998::/var/lib/rspamd:/usr/bin/nologin
EOF
echo '_rspamd:*:19000:0:99999:7:::' >> "$R/etc/shadow"
echo '_rspamd:x:998:' >> "$R/etc/group"
mkdir -p "$R/etc/rspamd/local.d" "$KEYS"
cat > "$R/etc/rspamd/local.d/dkim_signing.conf" <<'EOF'
# dual signing, as the runbook's host
path = "/var/lib/rspamd/dkim/$domain.$selector.key";
selector = "dkim-rsa";
EOF
printf '#!/bin/sh\necho "Rspamd daemon version 3.4"\n' > "$R/usr/bin/rspamd"
chmod 755 "$R/usr/bin/rspamd"
check "relay add" am relay add foo.archlinux.org --generate \
    --client-file "$T/client"
{
	printf '$ORIGIN archlinux.org.\n@ IN TXT "v=spf1 mx -all"\n'
	am dkim keygen -s dkim-rsa -d archlinux.org -t rsa -b 1024 \
	    -k "$KEYS/archlinux.org.dkim-rsa.key"
	am dkim keygen -s dkim-ed25519 -d archlinux.org -t ed25519 \
	    --key-format rspamd -k "$KEYS/archlinux.org.dkim-ed25519.key"
} > "$ZONE"
chown 998:998 "$KEYS"/*.key
# main.cf's default alias_maps (lmdb:/etc/aliases), built as newaliases does.
printf 'postmaster: root\n' > "$R/etc/aliases"
check "newaliases" am newaliases
cp -a "$R" "$CLEAN"

before=$(tree_state)
check_eq "clean: no finding" "" "$(findings relay postfwd passwd dkim \
    --zone "$ZONE")"
am check relay postfwd passwd dkim --zone "$ZONE" >/dev/null 2>&1
check_eq "clean: exit 0" 0 $?
am check >/dev/null 2>&1
check_eq "clean: every area, exit 0" 0 $?
check_eq "check changed nothing under the root" "$before" "$(tree_state)"

# seed AREA... -- CODE FILE LINE: the seeded root gives exactly that.
expect() {
	local want=$1 got
	shift
	got=$(findings "$@")
	check_eq "seeded: $want" "$want" "$got"
	am check "$@" >/dev/null 2>&1
	check_eq "seeded: exit 1 ($want)" 1 $?
}

# relay account missing from the block; its fix is postfwd sync.
restore
sed -i '/sasl_username==foo/d; s/sasl_username==devnull$/&;/' \
    "$R/etc/postfwd/postfwd.cf"
expect "relay-not-in-postfwd $R/etc/postfwd/postfwd.cf 1" relay postfwd
before=$(tree_state)
am check relay >/dev/null 2>&1
check_eq "check of a seeded root changed nothing" "$before" "$(tree_state)"
check "relay-not-in-postfwd: the fix runs" run_fix relay
check_eq "relay-not-in-postfwd: fixed" "" "$(findings relay postfwd)"

# sender map line gone.
restore
sed -i '/^@foo.archlinux.org /d' "$R/etc/postfix/smtp_sender_map"
expect "relay-not-in-sender-map $R/etc/postfix/smtp_sender_map 0" relay

# a login shell for the relay account.
restore
sed -i 's|^\(foo:.*\):/usr/bin/nologin$|\1:/bin/bash|' "$R/etc/passwd"
expect "relay-login-shell $R/etc/passwd 5" relay postfwd passwd

# an item of the block without an account.
restore
sed -i 's/^\tsasl_username==devnull$/&\n\tsasl_username==ghost/' \
    "$R/etc/postfwd/postfwd.cf"
expect "postfwd-unknown-login $R/etc/postfwd/postfwd.cf 4" relay postfwd

# postfwd_extra_users' devnull dropped by hand.
restore
sed -i '/sasl_username==devnull/d' "$R/etc/postfwd/postfwd.cf"
expect "postfwd-out-of-sync $R/etc/postfwd/postfwd.cf 1" relay postfwd
check "postfwd-out-of-sync: the fix runs" run_fix postfwd
check_eq "postfwd-out-of-sync: fixed" "" "$(findings relay postfwd)"

# an empty password that is not expired; passwd clear expires it.
restore
sed -i 's/^laurent:!:19000:/laurent::19000:/' "$R/etc/shadow"
expect "passwd-empty-not-expired $R/etc/shadow 2" passwd relay
check "passwd-empty-not-expired: the fix runs" run_fix passwd
check_eq "passwd-empty-not-expired: fixed" "" "$(findings passwd)"

# nullok where the account phase lets an expired password through.
restore
printf 'auth required pam_unix.so nullok\naccount required pam_permit.so\n' \
    > "$R/etc/pam.d/dovecot"
expect "pam-nullok $R/etc/pam.d/dovecot 1" passwd

# a world-readable DKIM key.
restore
chmod 0644 "$KEYS/archlinux.org.dkim-rsa.key"
expect "dkim-key-world-readable $KEYS/archlinux.org.dkim-rsa.key 0" dkim \
    --zone "$ZONE"
check "dkim-key-world-readable: the fix runs" run_fix dkim
check_eq "dkim-key-world-readable: fixed" "" "$(findings dkim --zone "$ZONE")"

# an Ed25519 key in PKCS#8 PEM, which rspamd 3.4 cannot load.
restore
am dkim convert -k "$KEYS/archlinux.org.dkim-ed25519.key" --key-format pem \
    -O "$KEYS/archlinux.org.dkim-ed25519.key" -f >/dev/null 2>&1
chown 998:998 "$KEYS/archlinux.org.dkim-ed25519.key"
expect "dkim-key-format-unsupported $KEYS/archlinux.org.dkim-ed25519.key 0" \
    dkim --zone "$ZONE"
check "dkim-key-format-unsupported: the fix runs" run_fix dkim --zone "$ZONE"
chown 998:998 "$KEYS/archlinux.org.dkim-ed25519.key"
check_eq "dkim-key-format-unsupported: fixed" "" \
    "$(findings dkim --zone "$ZONE")"

# the zone publishes another RSA key.
restore
{
	printf '$ORIGIN archlinux.org.\n@ IN TXT "v=spf1 mx -all"\n'
	am dkim keygen -s dkim-rsa -d archlinux.org -t rsa -b 1024 \
	    -k "$T/other.key"
	am dkim record -k "$KEYS/archlinux.org.dkim-ed25519.key" \
	    -s dkim-ed25519 -d archlinux.org
} > "$T/other.zone"
expect "dkim-record-mismatch $T/other.zone 3" dkim --zone "$T/other.zone"

# a --record-file that is not the key's.
restore
am dkim record -k "$T/other.key" -s dkim-rsa -d archlinux.org > "$T/rec"
expect "dkim-record-mismatch $T/rec 0" dkim --record-file "$T/rec"

finish
