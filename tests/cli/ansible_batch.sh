#!/bin/bash
# The entries: option of archmail.mailhost.address and .alias (one batch,
# "archmail users|alias apply -") under real ansible-playbook -c local on a
# sysroot: --check --diff predicts and writes nothing, a run changes, a
# re-run changes nothing, a bad entry in the middle fails the task with
# archmail's message naming its line and writes nothing; real postmap -q
# reads the tables.  Also measures (prints, does not time out on) one
# address task with 1,000 entries.
# usage (from the repository root): bash tests/cli/ansible_batch.sh ARCHMAIL
. tests/testlib.sh
. tests/lib/ansible.bash

for tool in ansible-playbook postmap python3; do
	require_tool "$tool" || finish
done
ansible_init

R=$T/root
mkdir -p "$R/etc/postfix"
cp "$PFCONF/main.cf" "$R/etc/postfix/main.cf"
printf 'root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\nbob:x:1001:1001::/home/bob:/bin/bash\n' \
    >"$R/etc/passwd"
printf '# Developers\nalice@archlinux.org\talice\nold@archlinux.org\talice\n\n# Support staff\n' \
    >"$R/etc/postfix/users"
printf 'postmaster: root\nlist-owner: root\n' >"$R/etc/postfix/aliases"
"$ARCHMAIL" --root "$R" -q postmap "lmdb:$R/etc/postfix/users" &&
    "$ARCHMAIL" --root "$R" -q postalias "lmdb:$R/etc/postfix/aliases" ||
    { fail "the sysroot cannot be set up"; finish; }
q() { postmap -c "$R/etc/postfix" -q "$1" "lmdb:$R/etc/postfix/$2"; }

cat >"$T/batch.yml" <<EOF
- hosts: localhost
  gather_facts: false
  module_defaults:
    group/archmail.mailhost.all: {root: $R, archmail: $ARCHMAIL}
  tasks:
    - name: addresses
      archmail.mailhost.address:
        entries:
          - {address: bob@archlinux.org, destination: [bob], category: Developers}
          - {address: carol@archlinux.org, destination: [carol@example.org], category: Support staff}
          - {address: old@archlinux.org, state: absent}
    - name: aliases
      archmail.mailhost.alias:
        entries:
          - {name: abuse, value: [postmaster]}
          - {name: hostmaster, value: [root, alice]}
          - {name: list-owner, state: absent}
EOF

before=$(tree_state "$R")
play check "$T/batch.yml" --check --diff
check_eq "--check --diff: succeeds" 0 "$PLAY_RC"
check_eq "--check: both batches predict a change" "addresses changed
aliases changed" "$(tasks check)"
check_eq "--check: nothing written" "$before" "$(tree_state "$R")"
check_eq "--check --diff: the users diff" \
    "+bob@archlinux.org	bob
+carol@archlinux.org	carol@example.org
-old@archlinux.org	alice" \
    "$(python3 -c 'import difflib, json, sys
d = json.loads(sys.argv[1])
for l in difflib.unified_diff(d["before"].splitlines(), d["after"].splitlines(), lineterm="", n=0):
    if l[:1] in "+-" and l[:3] not in ("+++", "---"):
        print(l)' "$(host_result check addresses diff 0)" 2>&1 | LC_ALL=C sort)"

play run "$T/batch.yml" --diff
check_eq "run: succeeds" 0 "$PLAY_RC"
check_eq "run: both batches change" "addresses changed
aliases changed" "$(tasks run)"
check_eq "run: postmap -q bob" bob "$(q bob@archlinux.org users)"
check_eq "run: postmap -q carol" carol@example.org "$(q carol@archlinux.org users)"
check_fails "run: old is gone" q old@archlinux.org users
check_eq "run: postalias -q hostmaster" "root, alice" "$(q hostmaster aliases)"
check_fails "run: list-owner is gone" q list-owner aliases
check_eq "run: per-entry results, each changed" '[true, true, true]' \
    "$(python3 -c 'import json, sys
print(json.dumps([e["changed"] for e in json.loads(sys.argv[1])]))' \
    "$(host_result run addresses entries)" 2>&1)"

before=$(tree_state "$R")
play again "$T/batch.yml"
check_eq "re-run: changed=0" "addresses ok
aliases ok" "$(tasks again)"
check_eq "re-run: nothing written" "$before" "$(tree_state "$R")"

# A bad entry in the middle: the task fails with archmail's message, which
# names the entry's line, and nothing is written.
cat >"$T/bad.yml" <<EOF
- hosts: localhost
  gather_facts: false
  module_defaults:
    group/archmail.mailhost.all: {root: $R, archmail: $ARCHMAIL}
  tasks:
    - name: bad
      archmail.mailhost.address:
        entries:
          - {address: dave@archlinux.org, destination: [alice], category: Developers}
          - {address: "not an address", destination: [alice], category: Developers}
          - {address: erin@archlinux.org, destination: [alice], category: Developers}
EOF
play bad "$T/bad.yml"
check_eq "bad entry: the task fails" "bad failed" "$(tasks bad)"
check_eq "bad entry: archmail's message, naming the entry" \
    'entries, item 2: invalid address "not an address": expected local@domain' \
    "$(host_result bad bad msg)"
check_eq "bad entry: archmail's error names line 2" 2 \
    "$(host_result bad bad error line)"
check_eq "bad entry: exit 65" 65 "$(host_result bad bad rc)"
check_eq "bad entry: nothing written" "$before" "$(tree_state "$R")"

# Speed (a measurement, not a timed test): one task with 1,000 addresses.
python3 - "$R" "$ARCHMAIL" >"$T/thousand.yml" <<'PY'
import json, sys
entries = [{'address': 'user%04d@archlinux.org' % i, 'destination': ['alice'],
            'category': 'Developers'} for i in range(1000)]
print(json.dumps([{'hosts': 'localhost', 'gather_facts': False,
    'tasks': [{'name': 'thousand', 'archmail.mailhost.address': {
        'root': sys.argv[1], 'archmail': sys.argv[2], 'entries': entries}}]}]))
PY
start=$(date +%s.%N)
play thousand "$T/thousand.yml"
end=$(date +%s.%N)
check_eq "1,000 entries: one changed task" "thousand changed" "$(tasks thousand)"
check_eq "1,000 entries: all in the table" alice "$(q user0999@archlinux.org users)"
echo "bench: the address task with 1,000 entries:" \
    "$(python3 -c "print('%.2f' % float('$(host_result thousand thousand archmail_test_duration)'))") s;" \
    "the whole ansible-playbook run: $(python3 -c "print('%.2f' % ($end - $start))") s"

finish
