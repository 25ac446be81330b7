#!/bin/bash
# archmail relay add|rotate|remove|list on a temporary --root, checked with
# real shadow-utils (useradd --prefix, pwck -r -R), Python's crypt (the
# system's libxcrypt), real postmap -q and postfwd1.
#
# usage (from the repository root): bash tests/cli/relay.sh ARCHMAIL
. tests/testlib.sh
. tests/lib/relay_root.bash

R=$T/root
am() { "$ARCHMAIL" --root "$R" --lock-timeout 2 "$@"; }

# crypt_ok PASSWORD HASH: the system's crypt(3) agrees.
crypt_ok() {
	python3 -W ignore -c 'import crypt, sys
sys.exit(0 if crypt.crypt(sys.argv[1], sys.argv[2]) == sys.argv[2] else 1)' "$1" "$2"
}
field() { awk -F: -v u="$1" -v f="$3" '$1 == u { print $f }' "$R/etc/$2"; }
today=$(( $(date -u +%s) / 86400 ))

# The account files of tests/lib/relay_root.bash, with the reference
# host's postfwd.cf (no archmail markers yet).
make_root() {
	make_account_root "$R"
	chgrp shadow "$R/etc/shadow" "$R/etc/gshadow" 2>/dev/null || true
	cat > "$R/etc/postfwd/postfwd.cf" <<'EOF'
# rate limits
&&SASL_WHITELIST {
	sasl_username=aur
	sasl_username=devnull;
};
&&NO_RATE_LIMIT_USERS {
        sasl_username=gitlab;
};
id=NoRateLimit;   protocol_state==END-OF-MESSAGE; &&NO_RATE_LIMIT_USERS; action=dunno
id=SaslWhitelist; protocol_state==END-OF-MESSAGE; &&SASL_WHITELIST;
	action=rcpt(sasl_username/360/3600/REJECT You can only send to 360 recipients per 1h per user)
id=SaslWhitelist2; protocol_state==END-OF-MESSAGE; &&SASL_WHITELIST; action=dunno
id=RcptRate; protocol_state==END-OF-MESSAGE; sasl_username!~/^$/;
	action=rcpt(sasl_username/100/21600/REJECT You can only send to 100 recipients per 6h per user)
id=logging; protocol_state==END-OF-MESSAGE; action=dunno
EOF
	chmod 600 "$R/etc/postfwd/postfwd.cf"
}

make_root
sum_before=$(cat "$R/etc/passwd" "$R/etc/shadow" | sha1sum)

# Validation first: no managed block in postfwd.cf -> nothing written.
echo 'pw-aur' | am relay add aur.archlinux.org --password-stdin 2>/dev/null
check_eq "add without a postfwd block: exit 78" 78 $?
check_eq "refused add wrote no account" "$sum_before" \
    "$(cat "$R/etc/passwd" "$R/etc/shadow" | sha1sum)"
check_fails "refused add created no home" test -e "$R/home/aur.archlinux.org"
check_fails "refused add wrote no sender map" \
    test -e "$R/etc/postfix/smtp_sender_map"

am postfwd sync --init 2>/dev/null
check_eq "postfwd sync --init" 0 $?
mv "$R/etc/postfix" "$R/etc/postfix.away"
echo 'pw-aur' | am relay add aur.archlinux.org --password-stdin 2>/dev/null
check_eq "sender map directory missing: exit 73" 73 $?
check_eq "... and no account written" "$sum_before" \
    "$(cat "$R/etc/passwd" "$R/etc/shadow" | sha1sum)"
mv "$R/etc/postfix.away" "$R/etc/postfix"

echo 'pw-aur' | am relay add aur.archlinux.org --password-stdin 2>/dev/null
check_eq "relay add aur" 0 $?
check_eq "passwd line" \
    "aur:x:1001:65534:SMTP Relay Account for aur.archlinux.org:/home/aur.archlinux.org:/usr/bin/nologin" \
    "$(grep '^aur:' "$R/etc/passwd")"
check_eq "shadow: last change today, aging empty" ":$today::::::" \
    "$(grep '^aur:' "$R/etc/shadow" | sed 's/^aur:[^:]*//')"
hash=$(field aur shadow 2)
check "yescrypt hash, cost 5" test "${hash#\$y\$j9T\$}" != "$hash"
check "hash verifies in the system's crypt(3)" crypt_ok pw-aur "$hash"
check_fails "wrong password does not verify" crypt_ok pw-Aur "$hash"
check_eq "home: 0700 owned by the account" "700 1001 65534" \
    "$(stat -c '%a %u %g' "$R/home/aur.archlinux.org")"
check_eq "shadow keeps its mode" 640 "$(stat -c %a "$R/etc/shadow")"
check_eq "sender map entry" "@aur.archlinux.org aur" \
    "$(cat "$R/etc/postfix/smtp_sender_map")"
check_eq "real postmap -q reads the sender map" aur \
    "$(postmap -c "$PFCONF" -q @aur.archlinux.org \
    "lmdb:$R/etc/postfix/smtp_sender_map")"
check "postfwd block lists aur exactly" \
    grep -qx '	sasl_username==aur' "$R/etc/postfwd/postfwd.cf"
check_eq "postfwd.cf keeps its mode" 600 \
    "$(stat -c %a "$R/etc/postfwd/postfwd.cf")"
check "pwck -r -R is clean" pwck -r -R "$R"
check_fails "no lock files left" compgen -G "$R/etc/*.lock"

# Idempotency: the same password again writes nothing.
sha=$(sha1sum < "$R/etc/shadow")
mtime=$(stat -c %Y.%y "$R/etc/shadow")
sleep 1
echo 'pw-aur' | am relay add aur.archlinux.org --password-stdin 2>/dev/null
check_eq "repeat add: exit 0" 0 $?
check_eq "repeat add: shadow byte-identical" "$sha" "$(sha1sum < "$R/etc/shadow")"
check_eq "repeat add: shadow not rewritten" "$mtime" \
    "$(stat -c %Y.%y "$R/etc/shadow")"
out=$(echo 'pw-aur' | am --json relay add aur.archlinux.org --password-stdin)
check "repeat add: JSON changed false" grep -q '"changed":false' <<<"$out"
echo 'other' | am relay add aur.archlinux.org --password-stdin --check \
    >/dev/null 2>&1
check_eq "--check with another password: exit 65 (the password is kept)" \
    65 $?
echo 'other' | am relay add aur.archlinux.org --password-stdin --check \
    --update-password >/dev/null 2>&1
check_eq "--check --update-password with another password: exit 1" 1 $?
check_eq "--check wrote nothing" "$sha" "$(sha1sum < "$R/etc/shadow")"
out=$(echo 'other' | am relay add aur.archlinux.org --password-stdin \
    --dry-run 2>&1)
check_fails "--dry-run shows no hash" grep -q "$hash" <<<"$out"

# sha512 with 5000 rounds: what the Ansible role writes.
echo 'pw-bbs' | am relay add bbs.archlinux.org --password-stdin \
    --scheme sha512 --rounds 5000 2>/dev/null
check_eq "relay add bbs (sha512)" 0 $?
hash=$(field bbs shadow 2)
check "\$6\$ without rounds= for 5000" \
    test "$(cut -c1-3 <<<"$hash")-$(grep -c rounds= <<<"$hash")" = '$6$-0'
check "sha512 hash verifies in crypt(3)" crypt_ok pw-bbs "$hash"
check_eq "next free uid" 1002 "$(field bbs passwd 3)"
echo 'pw-bbs' | am relay add bbs.archlinux.org --password-stdin \
    --scheme sha512 --rounds 20000 2>/dev/null
check "higher rounds asked: rehashed" \
    grep -q '^bbs:\$6\$rounds=20000\$' "$R/etc/shadow"

# Existing non-relay account of that name; bad names.
echo x | am relay add laurent.archlinux.org --password-stdin 2>/dev/null
check_eq "non-relay account: exit 65" 65 $?
echo x | am relay add 'Bad_Host.org' --password-stdin 2>/dev/null
check_eq "invalid host: exit 65" 65 $?
echo x | am relay add 'a:b.org' --password-stdin 2>/dev/null
check_eq "colon in host: exit 65" 65 $?
am relay remove nosuch.archlinux.org 2>/dev/null
check_eq "remove unknown host: exit 67" 67 $?
am relay add x.archlinux.org 2>/dev/null
check_eq "no password source: exit 64" 64 $?
printf '' | am relay add x.archlinux.org --password-stdin 2>/dev/null
check_eq "empty password: exit 65" 65 $?

# Conflicts found before anything is written.
printf '@conflict.example.org someone\n' >> "$R/etc/postfix/smtp_sender_map"
sum_before=$(cat "$R/etc/passwd" "$R/etc/shadow" | sha1sum)
echo x | am relay add conflict.example.org --password-stdin --any-domain \
    2>/dev/null
check_eq "sender map owner conflict: exit 65" 65 $?
check_eq "conflict: no account written" "$sum_before" \
    "$(cat "$R/etc/passwd" "$R/etc/shadow" | sha1sum)"
sed -i '/^@conflict/d' "$R/etc/postfix/smtp_sender_map"
cp "$R/etc/passwd" "$T/passwd.good"
printf 'laurent:x:1000:1000:Laurent again:/home/laurent:/bin/bash\n' \
    >> "$R/etc/passwd"
echo x | am relay add laurent.example.org --password-stdin --any-domain \
    2>"$T/err"
check_eq "duplicate name in passwd: exit 65" 65 $?
check "duplicate name: message says so" grep -q 'multiple entries' "$T/err"
sum_before=$(cat "$R/etc/passwd" "$R/etc/shadow" | sha1sum)
echo x | am relay add other.example.org --password-stdin --any-domain \
    2>/dev/null
check_eq "another name twice in passwd: exit 65" 65 $?
check_eq "duplicate elsewhere: nothing written" "$sum_before" \
    "$(cat "$R/etc/passwd" "$R/etc/shadow" | sha1sum)"
cp "$T/passwd.good" "$R/etc/passwd"

# Client line, generated password.
am relay rotate aur.archlinux.org --generate \
    --client-file "$T/relay_passwords" 2>/dev/null
check_eq "rotate --generate --client-file" 0 $?
check_eq "client file mode" 600 "$(stat -c %a "$T/relay_passwords")"
line=$(cat "$T/relay_passwords")
check "client line format" \
    grep -Eqx 'mail\.archlinux\.org aur:[A-HJ-NP-Za-km-z2-9]{32}' <<<"$line"
check "generated password verifies against shadow" \
    crypt_ok "${line#*:}" "$(field aur shadow 2)"
all=$(am relay rotate aur.archlinux.org --generate 2>/dev/null)
out=$(sed -n 1p <<<"$all")
check_eq "... then the result line on stdout" \
    "relay rotate aur.archlinux.org: updated" "$(sed -n 2p <<<"$all")"
check "generated password printed once without --client-file" \
    crypt_ok "${out#*:}" "$(field aur shadow 2)"
out=$(am --json relay rotate aur.archlinux.org --generate 2>/dev/null)
check_eq "--generate --json without --client-file: exit 64" 64 $?

# list
out=$(am --json relay list)
check "relay list JSON" grep -q '"user":"aur","host":"aur.archlinux.org","uid":1001' <<<"$out"
check "relay list: postfwd and sender map" \
    grep -q '"user":"bbs".*"postfwd":true,"sender_map":true' <<<"$out"

# remove: locked, out of postfwd and the sender map; --delete removes.
am relay remove bbs.archlinux.org 2>/dev/null
check_eq "relay remove bbs" 0 $?
check "account locked" grep -q '^bbs:!\$6\$' "$R/etc/shadow"
check_fails "bbs gone from postfwd block" \
    grep -q 'sasl_username==bbs' "$R/etc/postfwd/postfwd.cf"
check_fails "bbs gone from the sender map (postmap -q)" \
    postmap -c "$PFCONF" -q @bbs.archlinux.org \
    "lmdb:$R/etc/postfix/smtp_sender_map"
am relay remove bbs.archlinux.org --delete 2>/dev/null
check_eq "relay remove --delete" 0 $?
check_fails "bbs gone from passwd" grep -q '^bbs:' "$R/etc/passwd"
check_fails "bbs gone from shadow" grep -q '^bbs:' "$R/etc/shadow"
check_fails "bbs home removed" test -e "$R/home/bbs.archlinux.org"
check "pwck -r -R still clean" pwck -r -R "$R"

# Locks: a held passwd.lock -> 75 after the wait; a stale one is taken.
sleep 30 &
holder=$!
printf '%s' "$holder" > "$R/etc/passwd.lock"
sha=$(sha1sum < "$R/etc/shadow")
echo x | "$ARCHMAIL" --root "$R" --lock-timeout 1 relay add \
    lock.archlinux.org --password-stdin 2>/dev/null
check_eq "held lock: exit 75" 75 $?
check_eq "held lock: nothing written" "$sha" "$(sha1sum < "$R/etc/shadow")"
check "held lock: left in place" test -e "$R/etc/passwd.lock"
kill "$holder"
wait "$holder" 2>/dev/null
echo x | am relay add lock.archlinux.org --password-stdin 2>/dev/null
check_eq "stale lock (dead PID): taken" 0 $?
check_fails "stale lock removed" test -e "$R/etc/passwd.lock"

# A postfwd.cf that postfwd -C would reject: refused before any write.
if require_tool postfwd; then
	printf 'postfwd_macro = OTHER_MACRO\n' > "$R/etc/archmail.conf"
	sum_before=$(cat "$R/etc/passwd" "$R/etc/shadow" | sha1sum)
	cp "$R/etc/postfwd/postfwd.cf" "$T/postfwd.before"
	echo x | am relay add bad.archlinux.org --password-stdin 2>"$T/err"
	check_eq "postfwd -C rejects the result: exit 78" 78 $?
	check "message from postfwd -C" grep -q 'postfwd -C rejects' "$T/err"
	check_eq "postfwd -C refusal: no account written" "$sum_before" \
	    "$(cat "$R/etc/passwd" "$R/etc/shadow" | sha1sum)"
	check "postfwd -C refusal: postfwd.cf unchanged" \
	    cmp -s "$R/etc/postfwd/postfwd.cf" "$T/postfwd.before"
	check_fails "no temporary file left" \
	    compgen -G "$R/etc/postfwd/postfwd.cf.tmp.*"
	rm "$R/etc/archmail.conf"
fi

# Concurrency with real useradd --prefix on the same root.
for i in $(seq 1 15); do
	useradd --prefix "$R" -m -g nobody -s /usr/bin/nologin "u$i" \
	    >/dev/null 2>&1 || echo "useradd u$i failed" >&2
done &
ua=$!
for i in $(seq 1 15); do
	echo "pw$i" | am relay add "h$i.example.org" --password-stdin \
	    --any-domain --no-postfwd 2>/dev/null || echo "relay add h$i failed" >&2
done
wait "$ua"
check_eq "concurrent: every useradd account" 15 \
    "$(grep -c '^u[0-9]*:' "$R/etc/passwd")"
check_eq "concurrent: every relay account" 15 \
    "$(grep -c '^h[0-9]*:' "$R/etc/passwd")"
check_eq "concurrent: every shadow entry" 30 \
    "$(grep -c '^[uh][0-9]*:' "$R/etc/shadow")"
check_eq "concurrent: no duplicate UID" "" \
    "$(cut -d: -f3 "$R/etc/passwd" | sort | uniq -d)"
check_eq "concurrent: no duplicate name" "" \
    "$(cut -d: -f1 "$R/etc/passwd" | sort | uniq -d)"
check "concurrent: pwck -r -R clean" pwck -r -R "$R"

# --- a reader needs no writable directory -------------------------------------
# relay list and check as a user who may read every file (made readable
# for the test) but write nowhere: postfwd.cf is read, not prepared for
# a write (that once asked for a writable /etc/postfwd: exit 77).
L=$T/ro
R_MAIN=$R R=$L
make_root
R=$R_MAIN
"$ARCHMAIL" --root "$L" postfwd sync --init >/dev/null 2>&1
echo 'pw-ro' | "$ARCHMAIL" --root "$L" relay add ro.archlinux.org \
    --password-stdin >/dev/null 2>&1
check "read-only reader: a relay account to list" \
    grep -q '^ro:' "$L/etc/passwd"
chmod -R a+rX,go-w "$L"
chmod 755 "$T"
out=$(as_nobody archmail --root "$L" relay list 2>&1)
check_eq "read-only reader: relay list exit 0 ($out)" 0 $?
check "read-only reader: relay list shows the account" \
    grep -q 'ro.archlinux.org' <<<"$out"
out=$(as_nobody archmail --root "$L" check postfwd 2>&1)
rc=$?
check "read-only reader: check postfwd runs (exit 0 or 1, not $rc: $out)" \
    test "$rc" -le 1
chmod 700 "$T"

finish
