#!/bin/bash
# archmail dkim and Ansible Vault, checked against the real ansible-vault
# (ansible-core): keys archmail writes into a vault are opened by
# "ansible-vault view" and hold a PKCS#8 key whose public key (derived by
# openssl) is the record's p=; vaults ansible-vault writes are read by
# dkim record, check and convert; passwords are read by Ansible's rules
# (the same password file or script opens both); the plaintext key is
# never written to a file (strace of every write); a wrong password is
# exit 65 and nothing is written.
#
# usage: bash tests/cli/dkim_vault.sh ARCHMAIL_BINARY   (from the repo root)
. tests/testlib.sh

for tool in ansible-vault openssl strace sha256sum; do
	require_tool "$tool" || finish
done

am() { "$ARCHMAIL" "$@"; }
# testlib's check, with the command's standard output (keys, records) kept
# out of the log.
check() {
	local desc=$1
	shift
	if "$@" > /dev/null; then pass "$desc"; else fail "$desc (command: $*)"; fi
}
V=$T/v
mkdir -p "$V"
cd "$V" || exit 1
printf 'hunter2\n' > pw
printf 'wrong\n' > bad

# p= of a record value (one line).
p_of() {
	sed -n 's/.*p=\([^;]*\).*/\1/p' | tr -d ' \t'
}

# The DKIM public key openssl derives from the PEM on stdin.
openssl_p() {
	local pem
	pem=$(cat)
	if printf '%s\n' "$pem" | openssl pkey -noout -text 2>/dev/null |
	    grep -q '^ED25519'; then
		printf '%s\n' "$pem" | openssl pkey -pubout -outform DER |
		    tail -c 32 | base64 -w0
	else
		printf '%s\n' "$pem" | openssl pkey -pubout -outform DER |
		    base64 -w0
	fi
}

# --- keygen into a vault, opened by ansible-vault ----------------------
for t in ed25519 rsa; do
	rm -f "k-$t.vault"
	check "keygen -t $t into a vault" \
	    am dkim keygen -t "$t" -b 1024 -s sel -d example.org \
	    -k "k-$t.vault" --vault-password-file pw -o txt
	am dkim keygen -t "$t" -b 1024 -s sel -d example.org \
	    -k "k-$t.vault" --vault-password-file pw -o txt -f > "rec-$t" ||
	    fail "keygen -f -t $t"
	check_eq "$t: vault header 1.1" '$ANSIBLE_VAULT;1.1;AES256' \
	    "$(head -n 1 "k-$t.vault")"
	check_eq "$t: vault lines of at most 80 hex digits" "" \
	    "$(sed 1d "k-$t.vault" | grep -Ev '^[0-9a-f]{1,80}$')"
	plain=$(ansible-vault view --vault-password-file pw "k-$t.vault") ||
	    fail "$t: ansible-vault view"
	check_eq "$t: ansible-vault view gives a PKCS#8 PEM key" \
	    "-----BEGIN PRIVATE KEY-----" "$(printf '%s\n' "$plain" | head -n 1)"
	check_eq "$t: its public key is the record's p=" \
	    "$(p_of < "rec-$t")" "$(printf '%s\n' "$plain" | openssl_p)"
	check_eq "$t: record of the vault" "$(cat "rec-$t")" \
	    "$(am dkim record -k "k-$t.vault" --vault-password-file pw \
	    -s sel -d example.org -o txt)"
	check_eq "$t: mode 0600" 600 "$(stat -c %a "k-$t.vault")"
done
check_eq "no plaintext key in the directory" "" \
    "$(grep -rl 'PRIVATE KEY' "$V")"

# --vault-id LABEL@FILE: format 1.2 with the label.
check "keygen --vault-id prod@pw" \
    am dkim keygen -t ed25519 -k prod.vault --vault-id prod@pw -o txt
check_eq "--vault-id: header 1.2 with the label" \
    '$ANSIBLE_VAULT;1.2;AES256;prod' "$(head -n 1 prod.vault)"
check "--vault-id: ansible-vault view --vault-id prod@pw" \
    ansible-vault view --vault-id prod@pw prod.vault
# "default" is Ansible's unnamed vault ID: 1.1.
am dkim keygen -t ed25519 -k def.vault --vault-id default@pw -o txt >/dev/null
check_eq "--vault-id default@pw: header 1.1" '$ANSIBLE_VAULT;1.1;AES256' \
    "$(head -n 1 def.vault)"

# The key never reaches a file: every write(2) of keygen, traced.
# (LeakSanitizer cannot run under ptrace: off for this one run.)
rm -f traced.vault
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 strace -f -qq -e trace=write,pwrite64,writev -s 1000000 -o trace.log \
    "$ARCHMAIL" dkim keygen -t rsa -b 1024 -k traced.vault \
    --vault-password-file pw -o txt > /dev/null ||
    fail "keygen under strace"
check "strace saw the vault being written" grep -q 'ANSIBLE_VAULT' trace.log
check_fails "no write(2) carries the plaintext key" \
    grep -q 'PRIVATE KEY' trace.log
check "the traced vault opens" \
    ansible-vault view --vault-password-file pw traced.vault

# Without -k the vault goes to stdout, before the record.
out=$(am dkim keygen -t ed25519 --vault-password-file pw)
check_eq "keygen to stdout: a vault first" '$ANSIBLE_VAULT;1.1;AES256' \
    "$(printf '%s\n' "$out" | head -n 1)"
check_fails "keygen to stdout: no plaintext key" \
    grep -q 'PRIVATE KEY' <<< "$out"

# --- vaults written by ansible-vault, read by archmail -----------------
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out rsa.pem \
    2>/dev/null
openssl genpkey -algorithm ED25519 -out ed.pem
want_rsa=$(openssl_p < rsa.pem)
want_ed=$(openssl_p < ed.pem)
cp rsa.pem rsa.vault
ansible-vault encrypt --vault-password-file pw rsa.vault 2>/dev/null ||
    fail "ansible-vault encrypt"
cp ed.pem ed.vault
ansible-vault encrypt --vault-id lbl@pw ed.vault 2>/dev/null ||
    fail "ansible-vault encrypt --vault-id"
check_eq "dkim record of ansible-vault's 1.1 vault" "$want_rsa" \
    "$(am dkim record -k rsa.vault --vault-password-file pw -o plain)"
check_eq "dkim record of ansible-vault's 1.2 vault" "$want_ed" \
    "$(am dkim record -k ed.vault --vault-id lbl@pw -o plain)"
check_eq "dkim record of a vault from stdin" "$want_ed" \
    "$(am dkim record -k - --vault-password-file pw -o plain < ed.vault)"
rec=$(am dkim record -k ed.pem -s s -d example.org -o txt)
check "dkim check of a vault key" \
    am dkim check -k ed.vault --vault-password-file pw -s s \
    -d example.org --record "$rec"
check_eq "--json: key.vault is true" "True" \
    "$(am --json dkim record -k ed.vault --vault-password-file pw |
    /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["key"]["vault"])')"

# Password files as Ansible reads them: the whole file less surrounding
# white space (two lines are a two-line password), scripts run, client
# scripts told the vault ID.  ansible-vault encrypts, archmail decrypts.
printf '  line one\nline two \n\n' > pw2
printf '#!/bin/sh\necho "s3cret"\n' > pw.sh
printf '#!/bin/sh\n[ "$1" = --vault-id ] || exit 9\necho "pw-$2"\n' \
    > my-client.sh
chmod 700 pw.sh my-client.sh
for spec in "--vault-password-file pw2" "--vault-password-file pw.sh" \
    "--vault-id lab@my-client.sh" "--vault-password-file my-client.sh"; do
	cp ed.pem e.vault
	# shellcheck disable=SC2086
	ansible-vault encrypt $spec e.vault 2>/dev/null ||
	    fail "ansible-vault encrypt $spec"
	# shellcheck disable=SC2086
	check_eq "password by Ansible's rules: $spec" "$want_ed" \
	    "$(am dkim record -k e.vault $spec -o plain)"
done
printf 'line one\n' > pw1
cp ed.pem e.vault
ansible-vault encrypt --vault-password-file pw2 e.vault 2>/dev/null
check_fails "only the first line of a two-line password file is not it" \
    am dkim record -k e.vault --vault-password-file pw1 -o plain

# --- wrong password, no password: 65, nothing written ------------------
refused() {
	local code=$1 desc=$2 out status
	shift 2
	out=$(am "$@" 2> err)
	status=$?
	check_eq "$desc: exit $code" "$code" "$status"
	check_eq "$desc: nothing on stdout" "" "$out"
	check "$desc: a message" test -s err
}
refused 65 "record, wrong password" dkim record -k rsa.vault \
    --vault-password-file bad
check "wrong password: says so" grep -q 'wrong vault password' err
refused 65 "check, wrong password" dkim check -k ed.vault \
    --vault-password-file bad -s s -d example.org --record "$rec"
refused 65 "record of a vault without a password" dkim record -k rsa.vault
check "no password: names the option" grep -q -- '--vault-password-file' err
refused 65 "convert, wrong password" dkim convert -k rsa.vault \
    --vault-password-file bad --decrypt --key-format pem -O out.pem
check_fails "convert, wrong password: no output file" test -e out.pem
cp rsa.pem old.pem
sum=$(sha256sum old.pem)
refused 65 "convert -f, wrong password" dkim convert -k rsa.vault \
    --vault-password-file bad --decrypt --key-format pem -O old.pem -f
check_eq "convert -f, wrong password: old file unchanged" "$sum" \
    "$(sha256sum old.pem)"
check_eq "no temporary files left" "" "$(ls -a | grep '\.tmp\.')"
printf '\n\n' > empty
refused 65 "an empty password" dkim keygen -t ed25519 -k e2.vault \
    --vault-password-file empty
check_fails "an empty password: no key file" test -e e2.vault
refused 66 "a missing password file" dkim keygen -t ed25519 -k e2.vault \
    --vault-password-file nonexistent
printf '#!/bin/sh\nexit 3\n' > fails.sh
chmod 700 fails.sh
refused 65 "a failing password script" dkim keygen -t ed25519 -k e2.vault \
    --vault-password-file fails.sh
check_fails "a failing password script: no key file" test -e e2.vault
refused 64 "--vault-id prompt" dkim keygen -t ed25519 -k e2.vault \
    --vault-id prompt
refused 64 "--decrypt without a password" dkim convert -k ed.pem \
    --key-format pem -O x.pem --decrypt
refused 64 "both password options" dkim record -k ed.vault \
    --vault-password-file pw --vault-id a@pw

# --- convert: into a vault, out of one ---------------------------------
check "convert a plain key into a vault" \
    am dkim convert -k ed.pem --key-format pem -O c.vault \
    --vault-password-file pw
check_eq "convert: ansible-vault view gives the same key" \
    "$(cat ed.pem)" "$(ansible-vault view --vault-password-file pw c.vault)"
ino=$(stat -c '%i %Y' c.vault)
out=$(am dkim convert -k ed.pem --key-format pem -O c.vault \
    --vault-password-file pw)
check_eq "convert again: exit 0, unchanged" "0" "$?"
check "convert again: says unchanged" grep -q unchanged <<< "$out"
check_eq "convert again: the vault is not rewritten" "$ino" \
    "$(stat -c '%i %Y' c.vault)"
check_eq "convert to another password without -f: 73" 73 \
    "$(am dkim convert -k ed.pem --key-format pem -O c.vault \
    --vault-password-file pw2 2>/dev/null; echo $?)"
check "convert --decrypt out of ansible-vault's vault" \
    am dkim convert -k ed.vault --vault-id lbl@pw --decrypt \
    --key-format pem -O d.pem
check_eq "convert --decrypt: the original key" "$(cat ed.pem)" \
    "$(cat d.pem)"
check "convert vault to vault in rspamd format" \
    am dkim convert -k ed.vault --vault-password-file pw \
    --key-format rspamd -O r.vault
check_eq "the rspamd-format vault: 89 bytes of base64 inside" 89 \
    "$(ansible-vault view --vault-password-file pw r.vault | wc -c)"
check "convert --dry-run into a vault writes nothing" \
    am dkim convert --dry-run -k ed.pem --key-format pem -O dry.vault \
    --vault-password-file pw
check_fails "convert --dry-run: no file" test -e dry.vault
check "keygen --dry-run with a vault writes nothing" \
    am dkim keygen --dry-run -t ed25519 -k dry.vault --vault-password-file pw
check_fails "keygen --dry-run: no file" test -e dry.vault

finish
