#!/bin/bash
# archmail postfwd sync [--init]: the managed block of postfwd.cf, checked
# byte-for-byte around it and by real postfwd1 answering policy requests
# (a relay host gets the host limit, a staff login containing a relay
# host's name gets the user limit).
#
# usage (from the repository root): bash tests/cli/postfwd.sh ARCHMAIL
. tests/testlib.sh

R=$T/root
CF=$R/etc/postfwd/postfwd.cf
am() { "$ARCHMAIL" --root "$R" --lock-timeout 2 "$@"; }

mkdir -p "$R/etc/postfwd"
cat > "$R/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/bash
aur:x:1001:65534:SMTP Relay Account for aur.archlinux.org:/home/aur.archlinux.org:/usr/bin/nologin
mail:x:1002:65534:SMTP Relay Account for mail.archlinux.org:/home/mail.archlinux.org:/usr/bin/nologin
gone:x:1003:65534:SMTP Relay Account for gone.archlinux.org:/home/gone.archlinux.org:/usr/bin/nologin
laurent:x:1004:1004:Laurent:/home/laurent:/bin/bash
EOF
cat > "$R/etc/shadow" <<'EOF'
root:*:19000:0:99999:7:::
aur:$y$j9T$abc$def:19000::::::
mail:$y$j9T$abc$def:19000::::::
gone:!$y$j9T$abc$def:19000::::::
laurent:$y$j9T$abc$def:19000:0:99999:7:::
EOF
# Relay accounts are recognised by the marker, relay_shell and relay_group.
printf 'root:x:0:\nnobody:x:65534:\nlaurent:x:1004:\n' > "$R/etc/group"
# The reference host's rules: substring matches.
cat > "$CF" <<'EOF'
# postfwd rules for mail.archlinux.org
&&SASL_WHITELIST {
	sasl_username=aur
	sasl_username=mail
	sasl_username=devnull;
};
&&NO_RATE_LIMIT_USERS {
        sasl_username=gitlab;
};
id=NoRateLimit;   protocol_state==END-OF-MESSAGE; &&NO_RATE_LIMIT_USERS; action=dunno
id=SaslWhitelist; protocol_state==END-OF-MESSAGE; &&SASL_WHITELIST;
	action=rcpt(sasl_username/360/3600/REJECT host limit)
id=SaslWhitelist2; protocol_state==END-OF-MESSAGE; &&SASL_WHITELIST; action=dunno
id=RcptRate; protocol_state==END-OF-MESSAGE; sasl_username!~/^$/;
	action=rcpt(sasl_username/100/21600/REJECT user limit)
id=logging; protocol_state==END-OF-MESSAGE; action=dunno
EOF
chmod 600 "$CF"
cp "$CF" "$T/orig.cf"

# One policy request (150 recipients: over the user limit, under the
# host limit) answered by postfwd1 without a daemon.
policy() {
	printf 'request=smtpd_access_policy\nprotocol_state=END-OF-MESSAGE\nprotocol_name=ESMTP\nclient_address=192.0.2.1\nsender=a@example.org\nrecipient=b@example.org\nsasl_username=%s\nrecipient_count=150\n\n' "$1" |
	    postfwd1 --nodns -f "$2" 2>/dev/null | sed -n 's/^action=//p'
}

have_postfwd=false
if require_tool postfwd1; then
	have_postfwd=true
	# The test can fail: the reference rules give laurent the host limit.
	check_eq "reference rules: laurent wrongly gets the host limit" dunno \
	    "$(policy laurent "$T/orig.cf")"
fi

am postfwd sync 2>/dev/null
check_eq "no markers, no --init: exit 78" 78 $?
check "file untouched" cmp -s "$CF" "$T/orig.cf"
am postfwd sync --init --check >/dev/null
check_eq "--init --check: exit 1" 1 $?
check "--check wrote nothing" cmp -s "$CF" "$T/orig.cf"

am postfwd sync --init 2>/dev/null
check_eq "sync --init" 0 $?
expected_block='# archmail: begin relay hosts
&&SASL_WHITELIST {
	sasl_username==aur
	sasl_username==devnull
	sasl_username==mail;
};
# archmail: end relay hosts'
check_eq "block: exact matches, locked account left out" \
    "$expected_block" "$(sed -n '2,8p' "$CF")"
check_eq "before the block byte-for-byte" "$(head -1 "$T/orig.cf")" \
    "$(head -1 "$CF")"
check_eq "after the block byte-for-byte" "$(tail -n +7 "$T/orig.cf")" \
    "$(tail -n +9 "$CF")"
check_eq "mode kept" 600 "$(stat -c %a "$CF")"

mtime=$(stat -c %y "$CF")
out=$(am --json postfwd sync)
check "second sync: changed false" grep -q '"changed":false' <<<"$out"
check_eq "second sync: file not rewritten" "$mtime" "$(stat -c %y "$CF")"

if $have_postfwd; then
	check_eq "relay host aur gets the host limit" dunno \
	    "$(policy aur "$CF")"
	check_eq "relay host mail gets the host limit" dunno \
	    "$(policy mail "$CF")"
	check_eq "laurent (contains aur) gets the user limit" \
	    "REJECT user limit" "$(policy laurent "$CF")"
	check_eq "mailman (contains mail) gets the user limit" \
	    "REJECT user limit" "$(policy mailman "$CF")"
	check_eq "locked relay account gets the user limit" \
	    "REJECT user limit" "$(policy gone "$CF")"
	postfwd -C -f "$CF" >/dev/null 2>"$T/err"
	check_fails "postfwd -C has no warnings" grep -q warning "$T/err"
fi

# A definition postfwd would ignore is refused before the rename.
if require_tool postfwd; then
	cp "$CF" "$T/good.cf"
	cat > "$R/etc/archmail.conf" <<'EOF'
postfwd_macro = OTHER_MACRO
EOF
	sed -i 's/^&&SASL_WHITELIST {/\&\&OTHER_MACRO {/' "$CF"
	sed -i -e 's/&&SASL_WHITELIST;/\&\&UNDEFINED;/' \
	    -e '/sasl_username==devnull/d' "$CF"
	cp "$CF" "$T/broken.cf"
	am postfwd sync 2>/dev/null
	check_eq "postfwd -C rejects the result: exit 78" 78 $?
	check "rejected file not installed" cmp -s "$CF" "$T/broken.cf"
	rm "$R/etc/archmail.conf"
	cp "$T/good.cf" "$CF"
fi

# Unpaired markers.
printf '# archmail: begin relay hosts\n' >> "$CF"
am postfwd sync 2>/dev/null
check_eq "unpaired marker: exit 65" 65 $?

finish
