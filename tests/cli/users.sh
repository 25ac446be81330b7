#!/bin/bash
# archmail users: edits of the users file checked with diff, tables checked
# with real postmap -q (private config dir), forwards with stat.
# usage (from the repository root): bash tests/cli/users.sh ARCHMAIL_BINARY
. tests/testlib.sh

R=$T/root
PF=$R/etc/postfix
U=$PF/users
mkdir -p "$PF" "$R/home/alice" "$R/home/bob" "$R/home/carol"
cp "$PFCONF/main.cf" "$PF/main.cf"
cat >"$R/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/bash
alice:x:1000:1000:Alice:/home/alice:/bin/bash
bob:x:1001:1001:Bob:/home/bob:/bin/bash
carol:x:1002:1002:Carol:/home/carol:/bin/bash
dave:x:1003:1003:Dave:/home/dave:/bin/bash
erin:x:1004:1004:Erin:/home/erin:/bin/bash
EOF

am() {
	"$ARCHMAIL" --root "$R" "$@"
}
q() {
	postmap -c "$PF" -q "$1" "lmdb:$U"
}
mtime() {
	stat -c '%y %s %a %u %g' "$1"
}
rc() {
	"$@" >/dev/null 2>&1
	echo $?
}

users_file() {
	cat >"$U" <<'EOF'
# /etc/postfix/users: virtual user map, edited with archmail users

# Developers
alice@archlinux.org	alice
carol@archlinux.org	carol
erin@archlinux.org	erin

## Support staff
zoe@archlinux.org	zoe@example.net
bob@archlinux.org	bob

# Ex-staff forwards
# 2024-01-15 left the team
mallory@archlinux.org	mallory@example.com,
	mallory@example.org
EOF
}

# --- add into a sorted category, exactly one line in the right place -------
users_file
cp "$U" "$T/old"
check "add to a category" am users add dave@archlinux.org dave \
    --category developers
check_eq "diff shows exactly the new line, sorted" \
    "$(printf '5a6\n> dave@archlinux.org\tdave')" "$(diff "$T/old" "$U")"
check_eq "postmap -q finds the new address" "dave" "$(q dave@archlinux.org)"
check_eq "postmap -q still finds the others" "zoe@example.net" \
    "$(q ZOE@archlinux.org)"

# --- unsorted category: appended after its last entry -----------------------
cp "$U" "$T/old"
check "add to an unsorted category" am users add amy@archlinux.org amy@example.org \
    --category "SUPPORT STAFF"
check_eq "appended after the category's last entry" \
    "$(printf '11a12\n> amy@archlinux.org\tamy@example.org')" \
    "$(diff "$T/old" "$U")"

# --- repeat: nothing written ------------------------------------------------
cp "$U" "$T/old"
before=$(mtime "$U")
tbefore=$(mtime "$U.lmdb")
sleep 1.1
check "same entry again" am users add dave@archlinux.org dave \
    --category developers
check_eq "repeat: file untouched (mtime)" "$before" "$(mtime "$U")"
check_eq "repeat: table untouched (mtime)" "$tbefore" "$(mtime "$U.lmdb")"
check "repeat: same bytes" cmp -s "$T/old" "$U"
check_eq "repeat: json changed false" '"changed":false' \
    "$(am --json users add dave@archlinux.org dave --category developers |
	grep -o '"changed":false' | head -n 1)"
check_eq "same destinations, other spacing: unchanged" 0 \
    "$(rc am users add mallory@archlinux.org \
	mallory@example.com,mallory@example.org --category developers)"
check "still unchanged" cmp -s "$T/old" "$U"

# --- conflict ----------------------------------------------------------------
check_eq "conflict: exit 65" 65 \
    "$(rc am users add dave@archlinux.org carol --category developers)"
check_eq "conflict: EXISTS_DIFFERENT in json" '"code":"EXISTS_DIFFERENT"' \
    "$(am --json users add dave@archlinux.org carol --category developers |
	grep -o '"code":"EXISTS_DIFFERENT"')"
check "conflict: no change" cmp -s "$T/old" "$U"
check_eq "conflict: case-insensitive key" 65 \
    "$(rc am users add DAVE@ArchLinux.org carol --category developers)"

# --- --replace keeps the position ----------------------------------------------
check "replace" am users add carol@archlinux.org carol@example.org --replace
check_eq "replace: rewritten in place" \
    "$(printf '5c5\n< carol@archlinux.org\tcarol\n---\n> carol@archlinux.org\tcarol@example.org')" \
    "$(diff "$T/old" "$U")"
check_eq "replace: postmap -q" "carol@example.org" "$(q carol@archlinux.org)"

# --- remove takes continuation lines and the note ----------------------------
cp "$U" "$T/old"
check "remove" am users remove mallory@archlinux.org
check_eq "remove: entry, continuation and dated note gone" \
    "$(printf '15,17d14\n< # 2024-01-15 left the team\n< mallory@archlinux.org\tmallory@example.com,\n< \tmallory@example.org')" \
    "$(diff "$T/old" "$U")"
check_fails "remove: postmap -q no longer finds it" q mallory@archlinux.org
cp "$U" "$T/old"
check_eq "remove absent: exit 0" 0 "$(rc am users remove nobody@archlinux.org)"
check "remove absent: unchanged" cmp -s "$T/old" "$U"
check "remove keeps the header of a first entry" am users remove alice@archlinux.org
check_eq "remove: only the entry line" \
    "$(printf '4d3\n< alice@archlinux.org\talice')" "$(diff "$T/old" "$U")"

# --- categories ------------------------------------------------------------------
cp "$U" "$T/old"
out=$(am users add new@archlinux.org bob 2>&1)
check_eq "no category on a categorised file: exit 64" 64 \
    "$(rc am users add new@archlinux.org bob)"
case $out in
*'"Developers"'*'"Support staff"'*'"Ex-staff forwards"'*)
	pass "no category: message lists the categories" ;;
*) fail "no category: message lists the categories ($out)" ;;
esac
check_eq "unknown category: exit 64" 64 \
    "$(rc am users add new@archlinux.org bob --category nosuch)"
check "no category: unchanged" cmp -s "$T/old" "$U"
check_eq "categories listed" \
    "$(printf 'Developers\nSupport staff\nEx-staff forwards')" \
    "$(am users categories)"
check "new category" am users add svc@archlinux.org bob --new-category \
    "Service accounts"
check_eq "new category: appended section" \
    "$(printf '13a14,16\n> \n> # Service accounts\n> svc@archlinux.org\tbob')" \
    "$(diff "$T/old" "$U")"
check_eq "json add: the entry with its new category" \
    '"entry":{"key":"svc2@archlinux.org","destinations":["bob","carol"],"category":"Robots","line":19}' \
    "$(am --json users add svc2@archlinux.org bob,carol --new-category Robots \
	--dry-run | grep -o '"entry":{[^}]*}')"
check_eq "json add: entry of an existing category" '"category":"Developers"' \
    "$(am --json users add alice2@archlinux.org bob --category developers \
	--check | grep -o '"category":"[^"]*"')"
check_eq "list --category" "svc@archlinux.org	bob" \
    "$(am users list --category 'service accounts')"

# --- --note --date ---------------------------------------------------------------
cp "$U" "$T/old"
today=$(date -u +%Y-%m-%d)
check "note with date" am users add frank@archlinux.org frank@example.com \
    --category "ex-staff forwards" --note "left the team" --date
check_eq "note: dated comment above the entry" \
    "$(printf '13a14,15\n> # %s left the team\n> frank@archlinux.org\tfrank@example.com' "$today")" \
    "$(diff "$T/old" "$U")"
check_eq "list --json reports the comment" \
    "\"comments\":[\"# $today left the team\"]" \
    "$(am --json users list --category 'ex-staff forwards' |
	grep -o '"comments":\[[^]]*\]' | tail -n 1)"

# --- dry-run and check -----------------------------------------------------------
cp "$U" "$T/old"
before=$(mtime "$U")
out=$(am users add gina@archlinux.org bob --category developers --dry-run)
check_eq "dry-run: exit 0" 0 $?
check "dry-run: nothing written" cmp -s "$T/old" "$U"
check_eq "dry-run: mtime" "$before" "$(mtime "$U")"
case $out in
*'+gina@archlinux.org	'bob*'@@'* | *'@@'*'+gina@archlinux.org	'bob*)
	pass "dry-run: unified diff" ;;
*) fail "dry-run: unified diff ($out)" ;;
esac
cp "$U" "$T/patched"
printf '%s\n' "$out" >"$T/dry.diff"
check "dry-run: diff applies with patch" patch -s "$T/patched" "$T/dry.diff"
check_eq "check: pending change = 1" 1 \
    "$(rc am users add gina@archlinux.org bob --category developers --check)"
check_eq "check: no change = 0" 0 \
    "$(rc am users add dave@archlinux.org dave --check)"
check "check: nothing written" cmp -s "$T/old" "$U"
check "the real add" am users add gina@archlinux.org bob --category developers
check "dry-run diff = real change" cmp -s "$T/patched" "$U"

# --- validation and injection attempts ---------------------------------------------
cp "$U" "$T/old"
for args in \
    "$(printf 'x@archlinux.org\nevil@archlinux.org')|bob" \
    " lead@archlinux.org|bob" \
    "$(printf '\tlead@archlinux.org')|bob" \
    "bob smith@archlinux.org|bob" \
    "#bob@archlinux.org|bob" \
    "bob@archlinux.org:|bob" \
    "h@archlinux.org|$(printf 'bob\n root')" \
    "h@archlinux.org|bob smith@example.org" \
    "h@archlinux.org|$(printf 'bob\r')" \
    "h@archlinux.org|" \
    "h@example.org|bob" \
    "h@archlinux..org|bob"; do
	addr=${args%%|*}
	dest=${args#*|}
	check_eq "invalid input refused with 65: $(printf '%q %q' "$addr" "$dest")" \
	    65 "$(rc am users add "$addr" "$dest" --category developers)"
done
check_eq "newline in --note: 65" 65 \
    "$(rc am users add h@archlinux.org bob --category developers \
	--note "$(printf 'x\nevil@archlinux.org root')")"
check "invalid input: no change" cmp -s "$T/old" "$U"
check "--any-domain" am users add h@example.org bob --category developers \
    --any-domain
check_eq "catch-all @domain accepted" 0 \
    "$(rc am users add @archlinux.org bob --category developers)"
warn=$(am users add ghost@archlinux.org ghost --category developers 2>&1)
case $warn in
*warning*ghost*passwd*) pass "local DEST not in passwd: warning" ;;
*) fail "local DEST not in passwd: warning ($warn)" ;;
esac
check_eq "--no-compile: source changed, table not" "" \
    "$(am users add nc@archlinux.org bob --category developers --no-compile \
	>/dev/null; q nc@archlinux.org)"

# --- mode and owner kept ------------------------------------------------------------
chown 4321:5432 "$U"
chmod 0640 "$U"
check "add with odd owner and mode" am users add own@archlinux.org bob \
    --category developers
check_eq "owner, group and mode kept" "640 4321 5432" \
    "$(stat -c '%a %u %g' "$U")"
check_eq "table readable by postmap" bob "$(q own@archlinux.org)"

# --- CRLF and no final newline --------------------------------------------------
printf '# Developers\r\nalice@archlinux.org alice\r\nzed@archlinux.org zed\r\n' >"$U"
check "CRLF file" am users add bea@archlinux.org bob --category developers
check_eq "CRLF: new line ends in CRLF, rest untouched" \
    "$(printf '# Developers\r\nalice@archlinux.org alice\r\nbea@archlinux.org bob\r\nzed@archlinux.org zed\r\n' | od -c)" \
    "$(od -c "$U")"
printf 'alice@archlinux.org alice\nzed@archlinux.org zed' >"$U"
check "no final newline, no categories" am users add bea@archlinux.org bob
check_eq "no final newline kept" \
    "$(printf 'alice@archlinux.org alice\nzed@archlinux.org zed\nbea@archlinux.org bob' | od -c)" \
    "$(od -c "$U")"
check "remove the last line of such a file" am users remove bea@archlinux.org
check_eq "no final newline kept after remove" \
    "$(printf 'alice@archlinux.org alice\nzed@archlinux.org zed' | od -c)" \
    "$(od -c "$U")"

# --- archmail.conf -------------------------------------------------------------------
mkdir -p "$R/etc/mail"
printf 'users_map = /etc/mail/vusers\ndomains = example.net, archlinux.org\n' \
    >"$R/etc/archmail.conf"
printf 'a@example.net a@example.org\n' >"$R/etc/mail/vusers"
check "users_map and domains from archmail.conf" am users add b@example.net bob
check_eq "configured map rebuilt" bob \
    "$(postmap -c "$PF" -q b@example.net "lmdb:$R/etc/mail/vusers")"
rm -f "$R/etc/archmail.conf"

# --- concurrent writers ------------------------------------------------------------------
users_file
for w in 1 2 3 4; do
	(
		for i in $(seq 1 25); do
			am --lock-timeout 120 users add "w$w.u$i@archlinux.org" bob \
			    --category developers >/dev/null ||
				echo "writer $w add $i failed" >&2
		done
	) &
done
wait
check_eq "4 writers x 25: 100 new lines in the file" 100 \
    "$(grep -c '^w[1-4]\.u[0-9]*@archlinux.org	bob$' "$U")"
check_eq "4 writers x 25: 100 new records in the table" 100 \
    "$(postmap -c "$PF" -s "lmdb:$U" | grep -c '^w[1-4]\.u')"
check_eq "no temporary files left" "" \
    "$(find "$PF" -name '*.tmp.*')"

# --- lock held by someone else -----------------------------------------------------
if require_tool flock; then
	cp "$U" "$T/old"
	flock "$U.lock" sleep 4 &
	sleep 0.5
	check_eq "lock held past --lock-timeout: 75" 75 \
	    "$(rc am --lock-timeout 1 users add late@archlinux.org bob \
		--category developers)"
	check "lock busy: no change" cmp -s "$T/old" "$U"
	wait
fi
check_eq "usage: missing arguments = 64" 64 "$(rc am users add x@archlinux.org)"
check_eq "usage: unknown subcommand = 64" 64 "$(rc am users frob)"
check_eq "usage: --category and --new-category = 64" 64 \
    "$(rc am users add x@archlinux.org bob --category a --new-category b)"

# --- forward -----------------------------------------------------------------------------------
# A .forward is written only into a home the user owns.
chown 1000:1000 "$R/home/alice"
chown 1001:1001 "$R/home/bob"
chown 1002:1002 "$R/home/carol"
check "forward" am users forward alice alice@example.org,alice@example.net \
    --keep-copy
check_eq "forward: content" \
    "$(printf 'alice@example.org\nalice@example.net\n\\alice')" \
    "$(cat "$R/home/alice/.forward")"
check_eq "forward: owner, group, mode" "1000 1000 644" \
    "$(stat -c '%u %g %a' "$R/home/alice/.forward")"
before=$(mtime "$R/home/alice/.forward")
sleep 1.1
check "forward again" am users forward alice alice@example.org \
    alice@example.net --keep-copy
check_eq "forward repeat: untouched" "$before" \
    "$(mtime "$R/home/alice/.forward")"
check_eq "forward --check pending = 1" 1 \
    "$(rc am users forward alice other@example.org --check)"
ln -s /etc/passwd "$R/home/bob/.forward"
check_fails "forward: symlink refused" am users forward bob bob@example.org
check_eq "forward: symlink left alone" /etc/passwd \
    "$(readlink "$R/home/bob/.forward")"
mkdir "$R/home/carol/.forward"
check_fails "forward: directory refused" am users forward carol c@example.org
check_eq "forward: unknown user = 67" 67 \
    "$(rc am users forward nosuch x@example.org)"
check_eq "forward: bad destination = 65" 65 \
    "$(rc am users forward alice "$(printf 'a@example.org\n|cmd')")"
check "forward --clear" am users forward alice --clear
check_fails "forward --clear: removed" test -e "$R/home/alice/.forward"


# --- comma lists with blanks, --replace with --note / --category -----------------
cat >"$U" <<'EOF'
# Developers
alice@archlinux.org	alice
carol@archlinux.org	carol

# Support staff
# 2024-01-15 part time
bob@archlinux.org	bob
zoe@archlinux.org	zoe@example.net,zoe@example.org
EOF
cp "$U" "$T/old"
check "list with blanks: 'heidi, heidi@example.org' accepted" \
    am users add heidi@archlinux.org 'heidi, heidi@example.org' \
    --category developers
check_eq "list written in the file's own style (a,b)" \
    "$(printf '3a4\n> heidi@archlinux.org\theidi,heidi@example.org')" \
    "$(diff "$T/old" "$U")"
check_eq "list with blanks: postmap -q" "heidi,heidi@example.org" \
    "$(q heidi@archlinux.org)"
check_eq "list with blanks: same list again, other spacing: unchanged" \
    "heidi@archlinux.org: unchanged" \
    "$(am users add heidi@archlinux.org ' heidi ,heidi@example.org ' \
	--category developers 2>/dev/null)"
check_eq "blank inside an element still refused: 65" 65 \
    "$(rc am users add h2@archlinux.org 'bob, bob smith@example.org' \
	--category developers)"
cp "$U" "$T/old"
out=$(am --json users add bob@archlinux.org bob --replace \
    --note "2026-01-01 on leave")
check_eq "--replace --note, same destinations: exit 0" 0 $?
check_eq "--replace --note: the note rewritten" \
    "$(printf '7c7\n< # 2024-01-15 part time\n---\n> # 2026-01-01 on leave')" \
    "$(diff "$T/old" "$U")"
case $out in
*'"changed":true'*'"result":"replaced"'*) pass "--replace --note: changed" ;;
*) fail "--replace --note: changed ($out)" ;;
esac
check_eq "--replace --note again: unchanged" "bob@archlinux.org: unchanged" \
    "$(am users add bob@archlinux.org bob --replace \
	--note "2026-01-01 on leave")"
check_eq "--note without --replace on an equal entry: unchanged" \
    "bob@archlinux.org: unchanged" \
    "$(am users add bob@archlinux.org bob --note "2026-02-02 other")"
cp "$U" "$T/old"
check "--replace --note on an entry without one" am users add \
    carol@archlinux.org carol --replace --note "on leave"
check_eq "--replace --note: a note line above" \
    "$(printf '2a3\n> # on leave')" "$(diff "$T/old" "$U")"
# Right under "# Developers" the note would be read as the header.
check_eq "--replace --note that would become the header: 65" 65 \
    "$(rc am users add alice@archlinux.org alice --replace --note x)"
check "... nothing written" cmp -s <(sed '3i # on leave' "$T/old") "$U"
cp "$U" "$T/old"
check "--replace --category moves the entry" am users add \
    carol@archlinux.org carol --replace --category 'support staff'
check_eq "moved with its note into the sorted category" "$(cat <<'EOF'
# Developers
alice@archlinux.org	alice
heidi@archlinux.org	heidi,heidi@example.org

# Support staff
# 2026-01-01 on leave
bob@archlinux.org	bob
# on leave
carol@archlinux.org	carol
zoe@archlinux.org	zoe@example.net,zoe@example.org
EOF
)" "$(cat "$U")"
check_eq "moved: postmap -q" carol "$(q carol@archlinux.org)"
check_eq "moved: again: unchanged" "carol@archlinux.org: unchanged" \
    "$(am users add carol@archlinux.org carol --replace \
	--category 'Support staff')"
check_eq "--replace --category unknown: 64" 64 \
    "$(rc am users add carol@archlinux.org carol --replace --category nosuch)"

# --- --category with surrounding blanks matches like header names ---------------
check "--category 'Support staff ' (trailing blank) found" am users add \
    ivan@archlinux.org bob --category 'Support staff '
check_eq "... added there" "$(printf 'ivan@archlinux.org\tbob')" \
    "$(grep '^ivan@' "$U")"
check_eq "list --category ' developers ': found" 2 \
    "$(am users list --category ' developers ' | wc -l)"

# --- remove of an absent entry: not present --------------------------------------
cp "$U" "$T/old"
out=$(am users remove nobody@archlinux.org)
check_eq "remove absent: exit 0" 0 $?
check_eq "remove absent: says not present" "nobody@archlinux.org: not present" \
    "$out"
check_eq "remove absent --dry-run: says not present" \
    "nobody@archlinux.org: not present" \
    "$(am users remove nobody@archlinux.org --dry-run)"
out=$(am --json users remove nobody@archlinux.org)
case $out in
*'"changed":false'*'"result":"not present"'*) pass "remove absent: json" ;;
*) fail "remove absent: json ($out)" ;;
esac
check "remove absent: nothing written" cmp -s "$T/old" "$U"

# --- the source checked before a lock file is made ------------------------------
rm -f "$U.lock"
mv "$U" "$T/users.away"
out=$(am users add x@archlinux.org bob --category developers 2>&1)
check_eq "missing users file: 66" 66 $?
case $out in
*"$U"*"No such file"*) pass "missing users file: named" ;;
*) fail "missing users file: named ($out)" ;;
esac
check_fails "missing users file: no lock file left" test -e "$U.lock"
mkdir "$U"
out=$(am users remove x@archlinux.org 2>&1)
check_eq "directory for the users file: 66" 66 $?
case $out in
*"$U"*directory*) pass "directory for the users file: named" ;;
*) fail "directory for the users file: named ($out)" ;;
esac
check_fails "directory: no lock file left" test -e "$U.lock"
rmdir "$U"
mv "$T/users.away" "$U"
chmod 755 "$T"
cp "$U" "$T/old"
out=$(as_nobody archmail --root "$R" users add x@archlinux.org bob \
    --category developers 2>&1)
check_eq "not root: 77" 77 $?
case $out in
*"$U: Permission denied (run as root)"*) pass "not root: run as root" ;;
*) fail "not root: run as root ($out)" ;;
esac
check_fails "not root: no lock file" test -e "$U.lock"
check "not root: nothing written" cmp -s "$T/old" "$U"
chmod 600 "$U"
out=$(as_nobody archmail --root "$R" users remove bob@archlinux.org \
    --dry-run 2>&1)
check_eq "not root, unreadable: 77" 77 $?
case $out in
*"$U: Permission denied (run as root)"*) pass "unreadable: run as root" ;;
*) fail "unreadable: run as root ($out)" ;;
esac
chmod 644 "$U"
chmod 700 "$T"
check "forward: a comma list with blanks" am users forward alice \
    'a@example.org, b@example.org'
check_eq "forward: one destination a line" \
    "$(printf 'a@example.org\nb@example.org')" "$(cat "$R/home/alice/.forward")"

# --- the man page's SYNOPSIS is the usage text ------------------------------------
if require_tool mandoc; then
	check "man page lint" mandoc -T lint -W warning man/archmail-users.8
	want=$("$ARCHMAIL" help users | sed -n '/^usage:/,/^$/p' |
	    sed 's/^usage://' | tr -s ' \t\n' ' ' | sed 's/^ //; s/ $//')
	got=$(mandoc -T ascii man/archmail-users.8 | col -b |
	    sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' | sed '1d;$d' |
	    tr -s ' \t\n' ' ' | sed 's/^ //; s/ $//')
	check_eq "SYNOPSIS = usage" "$want" "$got"
fi

finish
