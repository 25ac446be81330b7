#!/bin/bash
# archmail alias: edits of the aliases file checked with diff, the table
# with real postalias -q (private config dir).
# usage (from the repository root): bash tests/cli/alias.sh ARCHMAIL_BINARY
. tests/testlib.sh

R=$T/root
PF=$R/etc/postfix
A=$PF/aliases
mkdir -p "$PF"
cp "$PFCONF/main.cf" "$PF/main.cf"
printf 'root:x:0:0:root:/root:/bin/bash\n' >"$R/etc/passwd"
cat >"$A" <<'EOF'
#
# {{ ansible_managed }}
#
# See man 5 aliases for format
postmaster:	root

# Pseudo accounts
bin:	root
daemon:	root
nobody:	root
MAILER-DAEMON: postmaster
abuse: postmaster
root: root@archlinux.org
noreply: /dev/null
lists: alice@archlinux.org,
	bob@archlinux.org,
	carol@archlinux.org
devnull: /dev/null
EOF

am() {
	"$ARCHMAIL" --root "$R" "$@"
}
q() {
	postalias -c "$PF" -q "$1" "lmdb:$A"
}
mtime() {
	stat -c '%y %s %a %u %g' "$1"
}
rc() {
	"$@" >/dev/null 2>&1
	echo $?
}

# --- list ------------------------------------------------------------------------
check_eq "list" "$(printf 'postmaster\troot\nbin\troot')" \
    "$(am alias list | head -n 2)"
check_eq "list: continuation lines joined" \
    "lists	alice@archlinux.org, bob@archlinux.org, carol@archlinux.org" \
    "$(am alias list | grep '^lists')"
check_eq "list --json: entry count" 10 \
    "$(am --json alias list | grep -o '"key":' | wc -l)"

# --- add -------------------------------------------------------------------------
cp "$A" "$T/old"
out=$(am alias add security root,security@example.org 2>&1)
check_eq "add: exit 0" 0 $?
case $out in
*warning*Ansible*) pass "add: warning about the Ansible-managed file" ;;
*) fail "add: warning about the Ansible-managed file ($out)" ;;
esac
check_eq "add: appended at the end" \
    "$(printf '18a19\n> security:\troot, security@example.org')" \
    "$(diff "$T/old" "$A")"
check_eq "add: postalias -q" "root, security@example.org" "$(q security)"
check_eq "add: postalias -q, other case" "root, security@example.org" \
    "$(q SECURITY)"
check_eq "add: older entries still there" "root" "$(q bin)"
chmod 0600 "$A"
chown 123:456 "$A"
cp "$A" "$T/old"
before=$(mtime "$A")
sleep 1.1
check "add again" am alias add security root,security@example.org
check_eq "repeat: file untouched" "$before" "$(mtime "$A")"
check "repeat: same bytes" cmp -s "$T/old" "$A"
check_eq "conflict: exit 65" 65 "$(rc am alias add security root)"
check "conflict: no change" cmp -s "$T/old" "$A"
check "replace" am alias add Security postmaster --replace
check_eq "replace: in place" \
    "$(printf '19c19\n< security:\troot, security@example.org\n---\n> Security:\tpostmaster')" \
    "$(diff "$T/old" "$A")"
check_eq "replace: mode and owner kept" "600 123 456" \
    "$(stat -c '%a %u %g' "$A")"
check_eq "replace: postalias -q" postmaster "$(q security)"

# --- file and command targets warn -------------------------------------------------
out=$(am alias add archive /var/mail/archive 2>&1)
case $out in
*warning*archive*) pass "file target: warning" ;;
*) fail "file target: warning ($out)" ;;
esac
check_eq "file target: postalias -q" /var/mail/archive "$(q archive)"

# --- remove takes continuation lines ------------------------------------------------
cp "$A" "$T/old"
check "remove" am alias remove lists
check_eq "remove: the entry and its continuation lines" \
    "$(printf '15,17d14\n< lists: alice@archlinux.org,\n< \tbob@archlinux.org,\n< \tcarol@archlinux.org')" \
    "$(diff "$T/old" "$A")"
check_fails "remove: postalias -q no longer finds it" q lists
check_eq "remove absent: exit 0" 0 "$(rc am alias remove nosuch)"

# --- service desk ---------------------------------------------------------------------
cp "$A" "$T/old"
check "servicedesk" am alias servicedesk privacy --group archlinux/legal \
    --project privacy-requests --project-id 19621
check_eq "servicedesk: the line" \
    "$(printf '17a18\n> privacy:\tgitlab+archlinux-legal-privacy-requests-19621-issue-@archlinux.org')" \
    "$(diff "$T/old" "$A")"
check_eq "servicedesk: postalias -q" \
    "gitlab+archlinux-legal-privacy-requests-19621-issue-@archlinux.org" \
    "$(q privacy)"
check_eq "servicedesk: repeat = 0, unchanged" 0 \
    "$(rc am alias servicedesk privacy --group archlinux/legal \
	--project privacy-requests --project-id 19621)"
check_eq "servicedesk: other project = 65" 65 \
    "$(rc am alias servicedesk privacy --group archlinux/legal \
	--project other --project-id 1)"
printf 'domain = example.org\nservicedesk_local = desk\n' \
    >"$R/etc/archmail.conf"
check "servicedesk with domain and servicedesk_local from archmail.conf" \
    am alias servicedesk help --group infra --project helpdesk \
    --project-id 7
check_eq "servicedesk: configured address" \
    "desk+infra-helpdesk-7-issue-@example.org" "$(q help)"
rm "$R/etc/archmail.conf"
check_eq "servicedesk: missing --project-id = 64" 64 \
    "$(rc am alias servicedesk x --group g --project p)"

# --- injection attempts ------------------------------------------------------------------
cp "$A" "$T/old"
for args in \
    "foo:bar|root" \
    "foo@archlinux.org|root" \
    " foo|root" \
    "$(printf 'foo\nroot')|root" \
    "#foo|root" \
    "foo bar|root" \
    "foo|$(printf 'root\n evil')" \
    "foo|root evil" \
    "foo|a@b c.org" \
    "foo|\"root\"" \
    "foo|" ; do
	name=${args%%|*}
	value=${args#*|}
	check_eq "refused with 65: $(printf '%q %q' "$name" "$value")" 65 \
	    "$(rc am alias add "$name" "$value")"
done
check_eq "servicedesk refused: group with a space" 65 \
    "$(rc am alias servicedesk sd --group 'a b' --project p --project-id 1)"
for sd in "--group a/../b" "--project x/y" \
    "--project-id 12a" "--project-id 0" "--group -x"; do
	# shellcheck disable=SC2086 # word splitting wanted
	check_eq "servicedesk refused: $sd" 65 \
	    "$(rc am alias servicedesk sd --group g --project p \
		--project-id 1 $sd)"
done
check_eq "servicedesk name with ':' = 65" 65 \
    "$(rc am alias servicedesk 'a:b' --group g --project p --project-id 1)"
check "injection attempts: no change" cmp -s "$T/old" "$A"

# --- dry-run / check -------------------------------------------------------------------
out=$(am alias add ops root --dry-run)
case $out in
*'+ops:	root'*) pass "dry-run: diff" ;;
*) fail "dry-run: diff ($out)" ;;
esac
check "dry-run: nothing written" cmp -s "$T/old" "$A"
check_eq "check: pending = 1" 1 "$(rc am alias add ops root --check)"
check_eq "check: nothing pending = 0" 0 "$(rc am alias add bin root --check)"
check_eq "json add" '"changed":true' \
    "$(am --json alias add ops root | grep -o '"changed":true' | head -n 1)"

# --- concurrent writers -----------------------------------------------------------------
for w in 1 2 3 4; do
	(
		for i in $(seq 1 25); do
			am --lock-timeout 120 alias add "w${w}u$i" root >/dev/null ||
				echo "writer $w add $i failed" >&2
		done
	) &
done
wait
check_eq "4 writers x 25: 100 new lines" 100 "$(grep -c '^w[1-4]u[0-9]*:	root$' "$A")"
check_eq "4 writers x 25: 100 new records" 100 \
    "$(postalias -c "$PF" -s "lmdb:$A" | grep -c '^w[1-4]u')"


# --- comma lists with blanks, in the file's own style; not present -----------------
printf 'postmaster:\troot\nteam: alice, bob\n' >"$A"
cp "$A" "$T/old"
check "list with blanks: 'carol, dave' accepted" am alias add ops 'carol, dave'
check_eq "written as the file writes lists (a, b)" \
    "$(printf '2a3\n> ops:\tcarol, dave')" "$(diff "$T/old" "$A")"
check_eq "list with blanks: postalias -q" "carol, dave" "$(q ops)"
printf 'postmaster:\troot\nteam: alice,bob\n' >"$A"
cp "$A" "$T/old"
check "list with blanks, file without blanks" am alias add ops ' carol ,dave'
check_eq "written as the file writes lists (a,b)" \
    "$(printf '2a3\n> ops:\tcarol,dave')" "$(diff "$T/old" "$A")"
cp "$A" "$T/old"
check_eq "remove absent: says not present" "nosuch: not present" \
    "$(am alias remove nosuch)"
check "remove absent: nothing written" cmp -s "$T/old" "$A"
rm -f "$A.lock"
mv "$A" "$T/aliases.away"
out=$(am alias add x root 2>&1)
check_eq "missing aliases file: 66" 66 $?
case $out in
*"$A"*"No such file"*) pass "missing aliases file: named" ;;
*) fail "missing aliases file: named ($out)" ;;
esac
check_fails "missing aliases file: no lock file left" test -e "$A.lock"
mv "$T/aliases.away" "$A"
chmod 755 "$T"
out=$(as_nobody archmail --root "$R" alias remove team 2>&1)
check_eq "not root: 77" 77 $?
case $out in
*"$A: Permission denied (run as root)"*) pass "not root: run as root" ;;
*) fail "not root: run as root ($out)" ;;
esac
check_fails "not root: no lock file" test -e "$A.lock"
chmod 700 "$T"

# --- the man page's SYNOPSIS is the usage text ------------------------------------
if require_tool mandoc; then
	check "man page lint" mandoc -T lint -W warning man/archmail-alias.8
	want=$("$ARCHMAIL" help alias | sed -n '/^usage:/,/^$/p' |
	    sed 's/^usage://' | tr -s ' \t\n' ' ' | sed 's/^ //; s/ $//')
	got=$(mandoc -T ascii man/archmail-alias.8 | col -b |
	    sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' | sed '1d;$d' |
	    tr -s ' \t\n' ' ' | sed 's/^ //; s/ $//')
	check_eq "SYNOPSIS = usage" "$want" "$got"
fi

finish
