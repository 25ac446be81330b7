#!/bin/bash
# archmail.mailhost.dkim_key with vault_password_file and vault_id under
# real ansible-playbook -c local: the key is written in Ansible Vault format
# (never in plain text), real ansible-vault view decrypts it to a PKCS#8
# key whose public key is the record's p=, a re-run reads the record
# through the vault and changes nothing, --check writes nothing, a wrong
# password fails the task with archmail's message and exit 65.
# usage (from the repository root): bash tests/cli/ansible_vault.sh ARCHMAIL
. tests/testlib.sh
. tests/lib/ansible.bash

for tool in ansible-playbook ansible-vault openssl python3; do
	require_tool "$tool" || finish
done
ansible_init

K=$T/keys
mkdir -p "$K"
printf 'correct horse\n' >"$T/pw"
printf 'wrong horse\n' >"$T/wrong"
chmod 600 "$T/pw" "$T/wrong"

cat >"$T/vault.yml" <<EOF
- hosts: localhost
  gather_facts: false
  module_defaults:
    group/archmail.mailhost.all: {archmail: $ARCHMAIL}
  tasks:
    - name: ed25519
      archmail.mailhost.dkim_key:
        path: $K/archlinux.org.dkim-ed25519.key.vault
        selector: dkim-ed25519
        domain: archlinux.org
        type: ed25519
        vault_password_file: $T/pw
    - name: rsa
      archmail.mailhost.dkim_key:
        path: $K/archlinux.org.dkim-rsa.key.vault
        selector: dkim-rsa
        domain: archlinux.org
        bits: 2048
        vault_id: rspamd@$T/pw
EOF

play check "$T/vault.yml" --check --diff
check_eq "--check: both keys predicted" "ed25519 changed
rsa changed" "$(tasks check)"
check_eq "--check: no key written" "" "$(ls -A "$K")"

play run "$T/vault.yml"
check_eq "run: succeeds" 0 "$PLAY_RC"
check_eq "run: both keys created" "ed25519 changed
rsa changed" "$(tasks run)"
check_eq "ed25519: Ansible Vault 1.1 header" '$ANSIBLE_VAULT;1.1;AES256' \
    "$(head -n 1 "$K/archlinux.org.dkim-ed25519.key.vault")"
check_eq "rsa: Ansible Vault 1.2 header with the label" \
    '$ANSIBLE_VAULT;1.2;AES256;rspamd' \
    "$(head -n 1 "$K/archlinux.org.dkim-rsa.key.vault")"
check_fails "no plaintext key in the key directory" \
    grep -rq 'PRIVATE KEY' "$K"

# ansible-vault decrypts what archmail wrote; its public key is p=.
ansible-vault view --vault-password-file "$T/pw" \
    "$K/archlinux.org.dkim-ed25519.key.vault" >"$T/ed.pem" 2>"$T/view.err"
check_eq "ansible-vault view: exit 0" 0 $?
check "ansible-vault view: a PKCS#8 PEM key" \
    grep -q '^-----BEGIN PRIVATE KEY-----$' "$T/ed.pem"
check_eq "ed25519: the key's public key is the record's p=" \
    "$(openssl pkey -in "$T/ed.pem" -pubout -outform DER 2>/dev/null |
        tail -c 32 | base64 -w0)" \
    "$(host_result run ed25519 value | sed 's/.*p=//')"
ansible-vault view --vault-id "rspamd@$T/pw" \
    "$K/archlinux.org.dkim-rsa.key.vault" >"$T/rsa.pem" 2>/dev/null
check_eq "rsa: the key's public key is the record's p=" \
    "$(openssl pkey -in "$T/rsa.pem" -pubout -outform DER 2>/dev/null |
        base64 -w0)" \
    "$(host_result run rsa value | sed 's/.*p=//')"

# Again: the record is read through the vault, nothing changes.
before=$(tree_state "$K")
play again "$T/vault.yml" --diff
check_eq "re-run: changed=0" "ed25519 ok
rsa ok" "$(tasks again)"
check_eq "re-run: the same record" "$(host_result run ed25519 terraform)" \
    "$(host_result again ed25519 terraform)"
check_eq "re-run: nothing written" "$before" "$(tree_state "$K")"

# The wrong password: archmail's message, exit 65, nothing written.
sed "s|vault_password_file: $T/pw|vault_password_file: $T/wrong|" \
    "$T/vault.yml" >"$T/wrong.yml"
play wrong "$T/wrong.yml"
check_eq "wrong password: the task fails" "ed25519 failed" "$(tasks wrong)"
check_eq "wrong password: exit 65" 65 "$(host_result wrong ed25519 rc)"
check "wrong password: archmail's message" test -n \
    "$(host_result wrong ed25519 error message)"
check_eq "wrong password: nothing written" "$before" "$(tree_state "$K")"

finish
