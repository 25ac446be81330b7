#!/bin/bash
# archmail check: a sysroot built by archmail commands is clean (exit 0);
# each problem of the areas tables, postfix, users, aliases and forwards,
# seeded alone into a copy of it, gives exactly its finding (area, code,
# file, line) and exit 1; check changes no file (contents, mtimes, modes,
# no new file); --json validates against the schema and carries the
# findings; an unknown area is a usage error (64).  Oracles: Postfix's
# real postmap -q (the hand-appended line that "users list" shows is not
# in the table) and the JSON Schema validator.
# usage (from the repository root): bash tests/cli/check.sh ARCHMAIL
. tests/testlib.sh

for tool in python3 sha256sum postmap mandoc; do
	require_tool "$tool" || finish
done
VALIDATE=$PWD/tests/lib/validate_json.py
SCHEMA=$PWD/schema/archmail-result.schema.json

make_root() {
	local r=$1
	mkdir -p "$r/etc/postfix" "$r/root" "$r/home/alice" "$r/home/bob" \
	    "$r/var/mail" || return 1
	cat >"$r/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/bash
mail:x:8:8:mail:/var/mail:/usr/sbin/nologin
alice:x:1000:1000:Alice:/home/alice:/bin/bash
bob:x:1005:1005:Bob:/home/bob:/bin/bash
EOF
	cat >"$r/etc/shadow" <<'EOF'
root:*:19000:0:99999:7:::
mail:*:19000:0:99999:7:::
alice:$6$saltsalt$hashhashhash:19000:0:99999:7:::
bob:$y$j9T$salt$hash:19001:0:99999:7:::
EOF
	cat >"$r/etc/group" <<'EOF'
root:x:0:
mail:x:8:
alice:x:1000:
bob:x:1005:
EOF
	chmod 640 "$r/etc/shadow"
	chmod 755 "$r/home/alice" "$r/home/bob"
	chown 1000:1000 "$r/home/alice"
	chown 1005:1005 "$r/home/bob"
	cat >"$r/etc/postfix/main.cf" <<'EOF'
compatibility_level = 3.6
myhostname = mail.archlinux.org
smtputf8_enable = yes
default_database_type = lmdb
alias_maps = lmdb:/etc/postfix/aliases
alias_database = $alias_maps
virtual_alias_maps = lmdb:$config_directory/users
EOF
	printf '# /etc/postfix/users\n\n# Developers\n' >"$r/etc/postfix/users"
	printf '# See man 5 aliases for format\n' >"$r/etc/postfix/aliases"
	# Everything from here on is archmail's doing.
	am "$r" users add alice@archlinux.org alice --category Developers &&
	am "$r" users add bob@archlinux.org bob --category Developers &&
	am "$r" alias add postmaster root &&
	am "$r" alias servicedesk privacy --group archlinux/legal \
	    --project privacy-requests --project-id 19621 &&
	am "$r" users forward alice alice@example.org --keep-copy
}

am() {
	local r=$1
	shift
	timeout 60 "$ARCHMAIL" --root "$r" "$@" </dev/null >/dev/null
}

# Every path under the root with type, mode, owner, size, mtime, and the
# checksum of every regular file: what "check changes nothing" compares.
snapshot() {
	(cd "$1" && find . -printf '%y %m %U:%G %s %T@ %p\n' | sort &&
	    find . -type f -exec sha256sum {} + | sort)
}

# findings ROOT [AREA...]: "area code file line" per finding (file
# relative to ROOT, line "-" when none) in $GOT, the exit status in $RC,
# the JSON in $T/out.json (validated against the schema).
findings() {
	findings_list "$@" >"$T/got"
	GOT=$(cat "$T/got")
	RC=$(cat "$T/rc")
}
findings_list() {
	local r=$1
	shift
	timeout 60 "$ARCHMAIL" --root "$r" --json check "$@" </dev/null \
	    >"$T/out.json" 2>"$T/err"
	RC=$?
	echo "$RC" >"$T/rc"
	if ! python3 "$VALIDATE" "$SCHEMA" "$T/out.json" >/dev/null; then
		fail "check --json $*: not valid against the schema"
		return
	fi
	python3 - "$r" "$T/out.json" <<'EOF'
import json, sys
root, path = sys.argv[1], sys.argv[2]
doc = json.load(open(path))
for f in doc.get("findings", []):
    file = f["file"]
    if file is not None and file.startswith(root + "/"):
        file = file[len(root):]
    print(f["area"], f["code"], file or "-",
          f["line"] if f["line"] is not None else "-")
EOF
}

CLEAN=$T/clean
make_root "$CLEAN" || { fail "building the clean sysroot with archmail"; finish; }
check "the clean sysroot's .forward is alice's" \
    test "$(stat -c %u "$CLEAN/home/alice/.forward")" = 1000

# 1. Clean: nothing found, exit 0, in text and JSON.
out=$(timeout 60 "$ARCHMAIL" --root "$CLEAN" check </dev/null)
check_eq "clean sysroot: exit 0" 0 "$?"
check_eq "clean sysroot: the summary line" \
    "archmail check: no problems found (9 areas)" "$out"
findings "$CLEAN"; got=$GOT
check_eq "clean sysroot --json: no findings" "" "$got"
check_eq "clean sysroot --json: exit 0" 0 "$RC"
check "clean sysroot --json: ok true, areas listed" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["ok"] is True and d["command"] == "check"
assert d["areas"][0] == "tables" and len(d["areas"]) == 9
assert d["summary"] == {"errors": 0, "warnings": 0}' "$T/out.json"

# seed NAME EXPECTED CMD...: a fresh copy of the clean root, CMD run in it
# (with $R set), then exactly EXPECTED found and exit 1.
N=0
seed() {
	local name=$1 want=$2 got
	shift 2
	N=$((N + 1))
	R=$T/seed$N
	cp -a "$CLEAN" "$R"
	if ! (cd "$R" && eval "$*"); then
		fail "$name: seeding failed"
		return
	fi
	findings "$R"
	check_eq "$name: exactly its finding" "$want" "$GOT"
	local status=1
	[ -n "$want" ] || status=0
	check_eq "$name: exit $status" "$status" "$RC"
}

# tables
seed "hand-appended users line" \
    "tables table-stale /etc/postfix/users 6" \
    'printf "carol@archlinux.org\talice\n" >> etc/postfix/users'
check "hand-appended line: the message names the key" \
    grep -q '"carol@archlinux.org\\" (not in the table)' "$T/out.json"
check_eq "hand-appended line: the fix is archmail postmap" \
    "archmail --root $R postmap lmdb:$R/etc/postfix/users" \
    "$(python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["findings"][0]["fix"])' "$T/out.json")"
# The issue's scenario: users list shows it, Postfix's postmap does not
# find it in the table; check (above) says so.
check "hand-appended line: archmail users list shows it" \
    grep -q '^carol@archlinux.org' <("$ARCHMAIL" --root "$R" users list)
check_fails "hand-appended line: Postfix's postmap -q does not find it" \
    postmap -c "$R/etc/postfix" -q carol@archlinux.org \
    "lmdb:$R/etc/postfix/users"
# The fix works as printed (archmail being this binary): clean again.
archmail() { "$ARCHMAIL" "$@"; }
eval "$(python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["findings"][0]["fix"])' "$T/out.json")" 2>/dev/null
findings "$R"; got=$GOT
check_eq "hand-appended line: the fix command clears it" "" "$got"

seed "a value changed by hand" \
    "tables table-stale /etc/postfix/users 4" \
    'sed -i "s/^alice@archlinux.org.*/alice@archlinux.org\talice@example.org/" etc/postfix/users'
check "changed value: said so" grep -q 'another value in the table' \
    "$T/out.json"
seed "a line removed by hand" \
    "tables table-stale /etc/postfix/users -" \
    'sed -i "/^bob@/d" etc/postfix/users'
check "removed line: said so" grep -q '"bob@archlinux.org\\" (only in the table)' \
    "$T/out.json"
seed "alias added by hand" \
    "tables table-stale /etc/postfix/aliases 4" \
    'printf "abuse: root\n" >> etc/postfix/aliases'
check "alias stale: the fix is postalias" grep -q 'postalias lmdb:' \
    "$T/out.json"
seed "users table missing" \
    "tables table-missing /etc/postfix/users -" \
    'rm etc/postfix/users.lmdb'
seed "users table not LMDB" \
    "tables table-unreadable /etc/postfix/users.lmdb -" \
    'printf "not a table\n" > etc/postfix/users.lmdb'
seed "main.cf names a table without source" \
    "tables table-source-missing /etc/postfix/main.cf 8" \
    'printf "transport_maps = lmdb:/etc/postfix/transport\n" >> etc/postfix/main.cf'
seed "main.cf lmdb table stale (other than archmail's)" \
    "tables table-stale /etc/postfix/transport 2" \
    'printf "example.org smtp:\n" > etc/postfix/transport &&
     "$ARCHMAIL" --root $PWD postmap lmdb:$PWD/etc/postfix/transport &&
     printf "example.net smtp:\n" >> etc/postfix/transport &&
     printf "transport_maps = proxy:lmdb:/etc/postfix/transport, inline:{a=b, c=d}\n" >> etc/postfix/main.cf'

# postfix
seed "hash: table without .db" \
    "postfix postfix-db-missing /etc/postfix/main.cf 8" \
    'printf "relay_domains = x\nsender_canonical_maps = hash:/etc/postfix/canonical\n" | sed 1d >> etc/postfix/main.cf'
seed "default_database_type hash" \
    "postfix postfix-default-type /etc/postfix/main.cf 8" \
    'printf "default_database_type = hash\n" >> etc/postfix/main.cf'

# users (each change compiled with archmail postmap: the table is current)
rebuild_users='"$ARCHMAIL" --root $PWD postmap lmdb:$PWD/etc/postfix/users 2>/dev/null'
rebuild_aliases='"$ARCHMAIL" --root $PWD postalias lmdb:$PWD/etc/postfix/aliases 2>/dev/null'
seed "duplicate key in users" \
    "users duplicate-key /etc/postfix/users 6" \
    "printf 'ALICE@archlinux.org\tbob\n' >> etc/postfix/users && $rebuild_users"
seed "unknown local destination in users" \
    "users unknown-local /etc/postfix/users 6" \
    "printf 'dave@archlinux.org\tdave\n' >> etc/postfix/users && $rebuild_users"
seed "local destination that is an alias" "" \
    "printf 'pm@archlinux.org\tpostmaster\n' >> etc/postfix/users && $rebuild_users"
seed "address outside domains" \
    "users domain-not-listed /etc/postfix/users 6" \
    "printf 'x@example.com\talice\n' >> etc/postfix/users && $rebuild_users"
seed "malformed line in users" \
    "users source-syntax /etc/postfix/users 6" \
    "printf 'lonely@archlinux.org\n' >> etc/postfix/users && $rebuild_users"
seed "malformed service desk address in users" \
    "users servicedesk-malformed /etc/postfix/users 6" \
    "printf 'sd@archlinux.org\tgitlab+legal-issue-@archlinux.org\n' >> etc/postfix/users && $rebuild_users"

# aliases
seed "service desk project id 0" \
    "aliases servicedesk-malformed /etc/postfix/aliases 4" \
    "printf 'bad: gitlab+archlinux-legal-privacy-0-issue-@archlinux.org\n' >> etc/postfix/aliases && $rebuild_aliases"
seed "service desk address at another domain" \
    "aliases servicedesk-malformed /etc/postfix/aliases 4" \
    "printf 'bad: gitlab+archlinux-legal-privacy-7-issue-@example.org\n' >> etc/postfix/aliases && $rebuild_aliases"
seed "unknown local name in aliases" \
    "aliases unknown-local /etc/postfix/aliases 4" \
    "printf 'abuse: postmaster, nosuchuser\n' >> etc/postfix/aliases && $rebuild_aliases"
seed "commands, files and quoted values are no local names" "" \
    "printf 'pipe: \"|/usr/bin/prog arg\", /var/mail/x, :include:/etc/x, \\\\root\n' >> etc/postfix/aliases && $rebuild_aliases"
seed "duplicate alias" \
    "aliases duplicate-key /etc/postfix/aliases 4" \
    "printf 'Postmaster: alice\n' >> etc/postfix/aliases && $rebuild_aliases"

# forwards
seed ".forward world-writable" \
    "forwards forward-world-writable /home/alice/.forward -" \
    'chmod 666 home/alice/.forward'
seed ".forward group-writable" \
    "forwards forward-group-writable /home/alice/.forward -" \
    'chmod 664 home/alice/.forward'
seed ".forward owned by another user" \
    "forwards forward-bad-owner /home/alice/.forward -" \
    'chown 1005 home/alice/.forward'
seed ".forward owned by root is what local(8) accepts" "" \
    'chown 0 home/alice/.forward'
seed ".forward a symbolic link" \
    "forwards forward-symlink /home/alice/.forward -" \
    'mv home/alice/.forward home/alice/fwd && ln -s fwd home/alice/.forward'
seed ".forward a directory" \
    "forwards forward-not-regular /home/alice/.forward -" \
    'rm home/alice/.forward && mkdir home/alice/.forward && chown 1000 home/alice/.forward'
seed "home group-writable" \
    "forwards forward-home-writable /home/alice -" \
    'chmod 775 home/alice'
seed "home owned by another user" \
    "forwards forward-home-owner /home/alice -" \
    'chown 1005 home/alice'
seed "a .forward in a home of a user without one" \
    "forwards forward-world-writable /home/bob/.forward -" \
    'printf "bob@example.org\n" > home/bob/.forward && chown 1005 home/bob/.forward && chmod 602 home/bob/.forward'

# Text output: grouped by area, "severity: file, line N: sentence", the
# fix on the next line, the summary.
R=$T/text
cp -a "$CLEAN" "$R"
printf 'carol@archlinux.org\talice\n' >>"$R/etc/postfix/users"
chmod 666 "$R/home/alice/.forward"
timeout 60 "$ARCHMAIL" --root "$R" check >"$T/text.out" 2>"$T/text.err"
check_eq "text: exit 1" 1 "$?"
check_eq "text: the report" "tables:
error: $R/etc/postfix/users, line 6: $R/etc/postfix/users.lmdb differs from its source in 1 record: \"carol@archlinux.org\" (not in the table) [table-stale]
  fix: archmail --root $R postmap lmdb:$R/etc/postfix/users
forwards:
error: $R/home/alice/.forward: world-writable: Postfix's local(8) ignores it [forward-world-writable]
  fix: chmod go-w $R/home/alice/.forward
archmail check: 2 errors, 0 warnings" "$(cat "$T/text.out")"
check_eq "text: nothing on stderr" "" "$(cat "$T/text.err")"
# Areas named: only those run.
findings "$R" users forwards users; got=$GOT
check_eq "areas named: only theirs (each once)" \
    "forwards forward-world-writable /home/alice/.forward -" "$got"
check "areas named: listed in table order" grep -q \
    '"areas":\["users","forwards"\]' <(tr -d ' \n' <"$T/out.json")
timeout 60 "$ARCHMAIL" --root "$R" -q check >"$T/q.out"
check_eq "-q: exit 1 still" 1 "$?"
check_eq "-q: nothing printed" "" "$(cat "$T/q.out")"

# check writes nothing: the seeded root with findings and the clean root,
# every file's bytes, mode, owner and mtime, and no new file.
for r in "$R" "$CLEAN"; do
	snapshot "$r" >"$T/before"
	sleep 0.01
	timeout 60 "$ARCHMAIL" --root "$r" check >/dev/null 2>&1
	timeout 60 "$ARCHMAIL" --root "$r" --json check tables users \
	    >/dev/null 2>&1
	snapshot "$r" >"$T/after"
	check "check changes no file under ${r##*/}" cmp -s "$T/before" \
	    "$T/after"
done

# Usage errors: an unknown area, with the nearest name.
timeout 60 "$ARCHMAIL" --root "$CLEAN" check tabels >"$T/u.out" 2>"$T/u.err"
check_eq "unknown area: exit 64" 64 "$?"
check "unknown area: did you mean" grep -q 'did you mean "tables"' "$T/u.err"
check_eq "unknown area: nothing on stdout" "" "$(cat "$T/u.out")"
timeout 60 "$ARCHMAIL" --root "$CLEAN" --json check nosuch >"$T/u.json" 2>/dev/null
check_eq "unknown area --json: exit 64" 64 "$?"
check "unknown area --json: a USAGE error of the schema" \
    grep -qx 'error.code=USAGE' <(python3 "$VALIDATE" "$SCHEMA" "$T/u.json")
timeout 60 "$ARCHMAIL" --root "$CLEAN" check --dry-run >/dev/null 2>&1
check_eq "--dry-run does not apply: exit 64" 64 "$?"

# A main.cf Postfix would refuse: a configuration error (78), not a finding.
R=$T/badcf
cp -a "$CLEAN" "$R"
printf 'smtputf8_enable = maybe\n' >>"$R/etc/postfix/main.cf"
timeout 60 "$ARCHMAIL" --root "$R" --json check tables >"$T/bad.json" 2>/dev/null
check_eq "malformed main.cf: exit 78" 78 "$?"
check "malformed main.cf: a CONFIG error with findings so far" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["ok"] is False and d["error"]["code"] == "CONFIG"
assert d["findings"] == []' "$T/bad.json"

check "archmail-check(8) lint" mandoc -T lint -W warning man/archmail-check.8

finish
