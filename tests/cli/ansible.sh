#!/bin/bash
# The Ansible collection archmail.mailhost (ansible/) under real
# ansible-playbook, -c local, against sysroots in $T: every module with
# changes in --check --diff (changed predicted, nothing written), for real
# with --diff, again (changed=0, nothing written) and again in --check;
# a failing task carries archmail's message and exit status; the example
# playbook new-relay-host.yml between two sysroots (the mail host and a new
# host, delegate_to), checked with real postmap -q; ansible-doc renders
# every module.  The batch (entries:) and vault options are tested in
# ansible_batch.sh and ansible_vault.sh.
# usage (from the repository root): bash tests/cli/ansible.sh ARCHMAIL
. tests/testlib.sh
. tests/lib/relay_root.bash
. tests/lib/ansible.bash

for tool in ansible-playbook ansible-doc postmap python3; do
	require_tool "$tool" || finish
done
ansible_init

MODULES="address alias servicedesk relay postfwd onboard dkim_key"
R=$T/root
K=$T/keys
am() { "$ARCHMAIL" --root "$R" --lock-timeout 2 "$@"; }
q() { postmap -c "$R/etc/postfix" -q "$1" "lmdb:$R/etc/postfix/$2"; }
crypt_ok() {
	python3 -W ignore -c 'import crypt, sys
sys.exit(0 if crypt.crypt(sys.argv[1], sys.argv[2]) == sys.argv[2] else 1)' "$1" "$2"
}

# The mail host: accounts (root, laurent, nobody), postfwd.cf with the
# managed block, a relay account aur that the block does not list yet, a
# categorised users file, aliases, a skeleton and Arch's PAM stacks for
# onboarding.
make_root "$R"
cp /etc/login.defs "$R/etc/login.defs"
cp -a /etc/skel "$R/etc/skel"
mkdir -p "$R/var/mail" "$K"
printf 'auth include system-auth\naccount include system-auth\n' \
    >"$R/etc/pam.d/dovecot"
cp tests/pam/arch-system-auth "$R/etc/pam.d/system-auth"
printf 'auth required pam_deny.so\naccount required pam_deny.so\n' \
    >"$R/etc/pam.d/other"
printf '# Developers\nlaurent@archlinux.org\tlaurent\nold@archlinux.org\tlaurent\n\n# Support staff\n' \
    >"$R/etc/postfix/users"
printf 'postmaster: root\n' >"$R/etc/postfix/aliases"
am -q postmap "lmdb:$R/etc/postfix/users" &&
    am -q postalias "lmdb:$R/etc/postfix/aliases" &&
    printf 'pw-aur' | am -q relay add aur.archlinux.org --password-stdin \
    --no-postfwd ||
    { fail "the mail host's sysroot cannot be set up"; finish; }

cat >"$T/all.yml" <<EOF
- hosts: localhost
  gather_facts: false
  module_defaults:
    group/archmail.mailhost.all:
      root: $R
      archmail: $ARCHMAIL
      lock_timeout: 2
  tasks:
    - name: postfwd
      archmail.mailhost.postfwd:
    - name: relay
      archmail.mailhost.relay:
        host: foobar.archlinux.org
        password: s3cret-foobar
        client_file: $T/client-foobar
    - name: address
      archmail.mailhost.address:
        address: zoe@archlinux.org
        destination: [laurent, alice@example.org]
        category: Developers
        note: Zoe
    - name: address_absent
      archmail.mailhost.address:
        address: old@archlinux.org
        state: absent
    - name: alias
      archmail.mailhost.alias:
        name: abuse
        value: [postmaster]
    - name: servicedesk
      archmail.mailhost.servicedesk:
        name: privacy
        group: archlinux/legal
        project: privacy-requests
        project_id: 19621
    - name: onboard
      archmail.mailhost.onboard:
        login: carol
        name: Carol Example
        category: Support staff
    - name: dkim_key
      archmail.mailhost.dkim_key:
        path: $K/archlinux.org.dkim-ed25519.key
        selector: dkim-ed25519
        domain: archlinux.org
        type: ed25519
        mode: "0640"
EOF
ALL_CHANGED="postfwd changed
relay changed
address changed
address_absent changed
alias changed
servicedesk changed
onboard changed
dkim_key changed"
ALL_OK=$(printf '%s\n' "$ALL_CHANGED" | sed 's/ changed$/ ok/')

# 1. --check --diff: every task predicts its change, nothing is written.
before=$(tree_state "$T/root"; tree_state "$K")
play check1 "$T/all.yml" --check --diff
check_eq "--check --diff: playbook succeeds" 0 "$PLAY_RC"
check_eq "--check: every module predicts a change" "$ALL_CHANGED" \
    "$(tasks check1)"
check_eq "--check: nothing written" "$before" \
    "$(tree_state "$T/root"; tree_state "$K")"
check_fails "--check: no client file" test -e "$T/client-foobar"
check_eq "--check --diff: the address diff, as after" \
    "# Zoe
zoe@archlinux.org	laurent, alice@example.org" \
    "$(host_result check1 address diff 0 after | grep -e Zoe -e zoe)"
check_eq "--check --diff: diff headers name the file" \
    "$R/etc/postfix/users" "$(host_result check1 address diff 0 before_header)"
check_eq "--check --diff: removal shows in before only" \
    "old@archlinux.org	laurent" \
    "$(host_result check1 address_absent diff 0 before | grep old)"
check_eq "--check --diff: ... and not in after" "" \
    "$(host_result check1 address_absent diff 0 after | grep old)"
for t in postfwd relay alias servicedesk onboard dkim_key; do
	check "--check --diff: $t has a diff" test -n \
	    "$(host_result check1 $t diff 0 after_header)"
done
check_fails "--check --diff: the relay password is nowhere in the output" \
    grep -q s3cret-foobar "$T/check1.json" "$T/check1.err"

# 2. For real, with --diff.
play run1 "$T/all.yml" --diff
check_eq "run: playbook succeeds" 0 "$PLAY_RC"
check_eq "run: every module changes" "$ALL_CHANGED" "$(tasks run1)"
check_fails "run --diff: the relay password is nowhere in the output" \
    grep -q s3cret-foobar "$T/run1.json" "$T/run1.err"
check_eq "run: postmap -q finds the address" "laurent, alice@example.org" \
    "$(q zoe@archlinux.org users)"
check_fails "run: the removed address is gone from the table" \
    q old@archlinux.org users
check_eq "run: postmap -q finds carol (onboarded)" carol \
    "$(q carol@archlinux.org users)"
check "run: carol's account exists" grep -q '^carol:' "$R/etc/passwd"
check_eq "run: postalias -q finds the alias" postmaster \
    "$(postmap -c "$R/etc/postfix" -q abuse "lmdb:$R/etc/postfix/aliases")"
check_eq "run: the service desk alias" \
    gitlab+archlinux-legal-privacy-requests-19621-issue-@archlinux.org \
    "$(postmap -c "$R/etc/postfix" -q privacy "lmdb:$R/etc/postfix/aliases")"
check_eq "run: sender map entry" foobar \
    "$(q @foobar.archlinux.org smtp_sender_map)"
check_eq "run: client file" "mail.archlinux.org foobar:s3cret-foobar" \
    "$(cat "$T/client-foobar" 2>&1)"
check "run: the password verifies in the shadow hash" crypt_ok s3cret-foobar \
    "$(awk -F: '$1 == "foobar" { print $2 }' "$R/etc/shadow")"
check_eq "run: postfwd block lists aur and foobar" \
    "	sasl_username==aur
	sasl_username==devnull
	sasl_username==foobar;" \
    "$(sed -n '/^&&SASL_WHITELIST/,/^};/p' "$R/etc/postfwd/postfwd.cf" | grep sasl_username)"
check_eq "run: key mode" 640 \
    "$(stat -c %a "$K/archlinux.org.dkim-ed25519.key" 2>&1)"
check_eq "run: the terraform line is archmail's" \
    "$(am dkim record -k "$K/archlinux.org.dkim-ed25519.key" -s dkim-ed25519 -d archlinux.org -o terraform)" \
    "$(host_result run1 dkim_key terraform)"
check_eq "run: value is archmail's dnskey form" \
    "$(am dkim record -k "$K/archlinux.org.dkim-ed25519.key" -s dkim-ed25519 -d archlinux.org -o dnskey)" \
    "$(host_result run1 dkim_key value)"
check_eq "run: relay returns the user" foobar "$(host_result run1 relay user)"
check_eq "run: no module warns (none has an undeclared secret)" "" \
    "$(grep -A3 '"warnings"' "$T/run1.json")"

# 3. Again: nothing changes, nothing is written; and again in --check.
before=$(tree_state "$T/root"; tree_state "$K"; cat "$T/client-foobar")
play run2 "$T/all.yml" --diff
check_eq "re-run: playbook succeeds" 0 "$PLAY_RC"
check_eq "re-run: changed=0 everywhere" "$ALL_OK" "$(tasks run2)"
play check2 "$T/all.yml" --check
check_eq "re-run --check: changed=0 everywhere" "$ALL_OK" "$(tasks check2)"
check_eq "re-runs wrote nothing" "$before" \
    "$(tree_state "$T/root"; tree_state "$K"; cat "$T/client-foobar")"
check_eq "re-run: the terraform line of the existing key" \
    "$(host_result run1 dkim_key terraform)" \
    "$(host_result run2 dkim_key terraform)"

# 4. Failures carry archmail's message and exit status; on_create keeps
# an existing account's password.
cat >"$T/fail.yml" <<EOF
- hosts: localhost
  gather_facts: false
  module_defaults:
    group/archmail.mailhost.all: {root: $R, archmail: $ARCHMAIL}
  tasks:
    - name: on_create
      archmail.mailhost.relay:
        host: foobar.archlinux.org
        password: another-password
        update_password: on_create
    - name: notjson
      archmail.mailhost.postfwd:
        archmail: $T/notjson
      ignore_errors: true
    - name: conflict
      archmail.mailhost.address:
        address: zoe@archlinux.org
        destination: [bob]
EOF
# A binary that prints no JSON (here: human output) fails the task.
printf '#!/bin/sh\necho "all fine"\n' >"$T/notjson"
chmod 755 "$T/notjson"
before=$(tree_state "$T/root")
play fail "$T/fail.yml"
check_eq "failing task: ansible-playbook exit 2" 2 "$PLAY_RC"
check_eq "on_create: an existing account is left alone" \
    "on_create ok
notjson failed
conflict failed" "$(tasks fail)"
check_eq "no JSON result: the task says so" \
    "archmail printed no JSON result (exit 0): all fine" \
    "$(host_result fail notjson msg)"
check_eq "failing task: archmail's message, where it found the conflict" \
    "$R/etc/postfix/users, line 4: "'"zoe@archlinux.org" exists with a different value "laurent, alice@example.org" (use --replace to change it)' \
    "$(host_result fail conflict msg)"
check_eq "failing task: archmail's exit status" 65 "$(host_result fail conflict rc)"
check_eq "failing task: archmail's error code" EXISTS_DIFFERENT \
    "$(host_result fail conflict error code)"
check_eq "failed and on_create runs wrote nothing" "$before" \
    "$(tree_state "$T/root")"


# 5. The example playbook: a mail host and a new host, two sysroots.
M=$T/mail
N=$T/new
make_root "$M"
mkdir -p "$N/etc/postfix"
cp "$PFCONF/main.cf" "$N/etc/postfix/main.cf"
printf '[smtp.example.org]:587 other:pw-other\n' >"$N/etc/postfix/relay_passwords"
mkdir -p "$T/bin"
ln -s "$ARCHMAIL" "$T/bin/archmail"
cat >"$T/inventory-example" <<EOF
[mail]
mail.archlinux.org ansible_connection=local host_root=$M
[relay_hosts]
foobar.archlinux.org ansible_connection=local host_root=$N
EOF
example() {
	PATH=$T/bin:$PATH ANSIBLE_STDOUT_CALLBACK=archmail_json ansible-playbook -c local \
	    -i "$T/inventory-example" ansible/examples/new-relay-host.yml \
	    >"$T/$1.json" 2>"$T/$1.err"
	PLAY_RC=$?
}
example ex1
check_eq "example playbook succeeds" 0 "$PLAY_RC"
[ "$PLAY_RC" = 0 ] || sed -n 1,40p "$T/ex1.err" "$T/ex1.json" >&2
check_eq "example: sender map entry (postmap -q)" foobar \
    "$(postmap -c "$M/etc/postfix" -q @foobar.archlinux.org "lmdb:$M/etc/postfix/smtp_sender_map" 2>&1)"
client=$(postmap -c "$N/etc/postfix" -q mail.archlinux.org "lmdb:$N/etc/postfix/relay_passwords" 2>&1)
check_eq "example: client map line (postmap -q)" foobar: "${client%%:*}:"
check "example: its password verifies on the mail host" crypt_ok \
    "${client#foobar:}" "$(awk -F: '$1 == "foobar" { print $2 }' "$M/etc/shadow")"
check_eq "example: the file's other line is kept" other:pw-other \
    "$(postmap -c "$N/etc/postfix" -q '[smtp.example.org]:587' "lmdb:$N/etc/postfix/relay_passwords" 2>&1)"
check_eq "example: relay_passwords mode" 600 \
    "$(stat -c %a "$N/etc/postfix/relay_passwords" 2>&1)"
check "example: postfwd lists foobar" \
    grep -q 'sasl_username==foobar' "$M/etc/postfwd/postfwd.cf"
check "example: the host's own files were not touched" \
    test ! -e "$M/etc/postfix/relay_passwords" -a ! -e "$N/etc/passwd"
before=$(tree_state "$M"; tree_state "$N")
example ex2
check_eq "example again: succeeds" 0 "$PLAY_RC"
check_eq "example again: changed=0" \
    '{"changed": 0, "failed": 0}' \
    "$(python3 -c 'import json, sys
s = json.load(open(sys.argv[1]))["stats"]
print(json.dumps({"changed": sum(h["changed"] for h in s.values()),
    "failed": sum(h["failures"] for h in s.values())}, sort_keys=True))' "$T/ex2.json")"
check_eq "example again: nothing written" "$before" \
    "$(tree_state "$M"; tree_state "$N")"

# 6. ansible-doc renders every module (one run for all seven), with its
# examples and return values.
out=$(ansible-doc $(printf 'archmail.mailhost.%s ' $MODULES) 2>"$T/doc.err")
check_eq "ansible-doc of every module: exit 0" 0 $?
check_eq "ansible-doc: no warning" "" "$(cat "$T/doc.err")"
for m in $MODULES; do
	up=$(printf '%s' "$m" | tr a-z A-Z)
	check "ansible-doc $m: rendered" grep -q "^> ARCHMAIL.MAILHOST.$up " <<<"$out"
done
check_eq "ansible-doc: common option root in every module" 7 \
    "$(grep -c '^- root$' <<<"$out")"
check_eq "ansible-doc: examples of every module" 7 \
    "$(grep -c '^EXAMPLES:' <<<"$out")"
check_eq "ansible-doc: return values of every module" 7 \
    "$(grep -c '^RETURN VALUES:' <<<"$out")"
check_eq "ansible-doc -l lists the seven modules" \
    "$(printf 'archmail.mailhost.%s\n' $MODULES | sort)" \
    "$(ansible-doc -l archmail.mailhost 2>/dev/null | awk '{ print $1 }' | sort)"

# The collection builds as Galaxy would package it.
check "ansible-galaxy collection build" ansible-galaxy collection build \
    ansible --output-path "$T/galaxy" >/dev/null
check "... into archmail-mailhost-VERSION.tar.gz" \
    test -s "$T/galaxy/archmail-mailhost-$(sed -n 's/^version: //p' ansible/galaxy.yml).tar.gz"

finish
