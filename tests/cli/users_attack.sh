#!/bin/bash
# archmail users / alias / users forward failing closed: a table left
# stale by a failed rebuild is repaired by the retry, temporaries of killed
# runs are swept, .forward is never written outside the user's own home or
# read through a link, a symlinked map is refused, arguments of remove and
# category names are validated.  Tables are checked with real postmap -q
# and postalias -q (private config dir); refusals with checksums.
# usage (from the repository root): bash tests/cli/users_attack.sh ARCHMAIL
. tests/testlib.sh

for tool in postmap postalias python3 strace sha256sum; do
	command -v "$tool" >/dev/null || { echo "FAIL: $tool missing" >&2; exit 1; }
done
# LeakSanitizer cannot run under ptrace (a sanitizer build under strace).
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"

R=$T/root
PF=$R/etc/postfix
U=$PF/users
A=$PF/aliases
mkdir -p "$PF" "$R/home/alice" "$R/home/bob" "$R/outside"
cp "$PFCONF/main.cf" "$PF/main.cf"
cat >"$R/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/bash
alice:x:1000:1000:Alice:/home/alice:/bin/bash
bob:x:1001:1001:Bob:/home/bob:/bin/bash
eve:x:1004:1004:Eve:/home/eve:/bin/bash
EOF
printf 'root:$6$secret:19000:0:99999:7:::\n' >"$R/etc/shadow"
chown 1000:1000 "$R/home/alice"
chown 1001:1001 "$R/home/bob"
printf '# Developers\nalice@archlinux.org\talice\n' >"$U"
printf 'postmaster: root\nroot: alice\n' >"$A"

am() {
	"$ARCHMAIL" --root "$R" "$@"
}
qu() {
	postmap -c "$PF" -q "$1" "lmdb:$U"
}
qa() {
	postalias -c "$PF" -q "$1" "lmdb:$A"
}
rc() {
	"$@" >/dev/null 2>&1
	echo $?
}
sums() {
	# Content, mode, owner and link target of everything below the root.
	(cd "$R" && find . -path ./proc -prune -o -print0 | sort -z |
	    xargs -0 stat -c '%n %F %a %u %g %N' &&
	    find . -type f -print0 | sort -z | xargs -0 sha256sum)
}

# A Postfix-protocol table lock (fcntl, whole file) held until released.
hold_lock() {
	rm -f "$T/locked" "$T/release"
	python3 - "$1" "$T/locked" "$T/release" <<'PY' &
import fcntl, os, sys, time
f = open(sys.argv[1], "r+b")
fcntl.lockf(f, fcntl.LOCK_EX)
open(sys.argv[2], "w").close()
while not os.path.exists(sys.argv[3]):
    time.sleep(0.05)
PY
	HOLDER=$!
	while [ ! -e "$T/locked" ]; do sleep 0.05; done
}
release_lock() {
	touch "$T/release"
	wait "$HOLDER"
}

am users add bob@archlinux.org bob --category developers >/dev/null
am alias add abuse root >/dev/null

# --- 1. text written, table not rebuilt: the retry rebuilds it ------------------
for kind in users alias; do
	# add [GLOBAL-OPTION...] [-- SUBCOMMAND-OPTION...]
	if [ $kind = users ]; then
		file=$U; key=late@archlinux.org; q=qu
		add() {
			local g=()
			while [ $# -gt 0 ] && [ "$1" != -- ]; do g+=("$1"); shift; done
			[ $# -gt 0 ] && shift
			am "${g[@]}" users add late@archlinux.org bob \
			    --category developers "$@"
		}
	else
		file=$A; key=late; q=qa
		add() {
			local g=()
			while [ $# -gt 0 ] && [ "$1" != -- ]; do g+=("$1"); shift; done
			[ $# -gt 0 ] && shift
			am "${g[@]}" alias add late root "$@"
		}
	fi
	hold_lock "$file.lmdb"
	check_eq "$kind: table lock held past --lock-timeout: 75" 75 \
	    "$(rc add --lock-timeout 1)"
	release_lock
	check "$kind: the text has the entry" grep -q "^late" "$file"
	check_fails "$kind: the table does not (yet)" $q $key
	check_eq "$kind: --check reports the pending rebuild: 1" 1 \
	    "$(rc add -- --check)"
	out=$(add -- --dry-run 2>/dev/null)
	case $out in
	*"would be rebuilt"*) pass "$kind: --dry-run: table would be rebuilt" ;;
	*) fail "$kind: --dry-run: table would be rebuilt (got: $out)" ;;
	esac
	out=$(add --json -- --dry-run 2>/dev/null)
	case $out in
	*'"changed":false,"would_change":true'*)
		pass "$kind: --json --dry-run: would change, nothing changed" ;;
	*) fail "$kind: --json --dry-run: would change (got: $out)" ;;
	esac
	check_fails "$kind: --check and --dry-run wrote nothing" $q $key
	out=$(add 2>&1)
	check_eq "$kind: retry exits 0" 0 $?
	case $out in
	*"table rebuilt"*) pass "$kind: retry says table rebuilt" ;;
	*) fail "$kind: retry says table rebuilt (got: $out)" ;;
	esac
	check "$kind: postmap/postalias -q finds the entry after the retry" \
	    $q $key
	check_eq "$kind: then --check: 0" 0 "$(rc add -- --check)"
	before=$(stat -c %Y.%y "$file.lmdb")
	out=$(add 2>&1)
	case $out in
	*": unchanged"*) pass "$kind: third run: unchanged" ;;
	*) fail "$kind: third run: unchanged (got: $out)" ;;
	esac
	check_eq "$kind: third run: table untouched" "$before" \
	    "$(stat -c %Y.%y "$file.lmdb")"
done
# A table missing altogether is built by any add of a present entry.
rm -f "$U.lmdb"
check_eq "missing table: --check = 1" 1 \
    "$(rc am users add bob@archlinux.org bob --category developers --check)"
check "missing table: rebuilt by an unchanged add" \
    am users add bob@archlinux.org bob --category developers
check_eq "missing table: postmap -q" bob "$(qu bob@archlinux.org)"
# Lost within one clock tick: the table's mtime is not older, its record is.
cp "$U.lmdb" "$T/table.old"
am users remove bob@archlinux.org >/dev/null
cp "$T/table.old" "$U.lmdb"
touch -d '+1 hour' "$U.lmdb"
check "stale record, newer mtime: remove again rebuilds" \
    am users remove bob@archlinux.org
check_fails "stale record: postmap -q no longer finds it" qu bob@archlinux.org
touch "$U.lmdb"

# SIGTERM at the text's rename: the commit finishes, the result is printed.
out=$(strace -f -o /dev/null -e inject=renameat:signal=SIGTERM:when=1 \
    "$ARCHMAIL" --root "$R" users add term@archlinux.org bob \
    --category developers 2>/dev/null)
check_eq "SIGTERM during the commit: killed after the result" 143 $?
case $out in
*"term@archlinux.org: added, table rebuilt"* | \
*"term@archlinux.org: added, table updated"*)
	pass "SIGTERM during the commit: result printed" ;;
*)	fail "SIGTERM during the commit: result printed (got: $out)" ;;
esac
check_eq "SIGTERM during the commit: postmap -q" bob "$(qu term@archlinux.org)"
check_eq "SIGTERM during the commit: no temporaries" "" \
    "$(ls "$PF" | grep '\.tmp\.')"
out=$(strace -f -o /dev/null -e inject=renameat:signal=SIGHUP:when=1 \
    "$ARCHMAIL" --root "$R" alias add int root 2>/dev/null)
check_eq "SIGHUP during the alias commit: postalias -q" root "$(qa int)"

# --- 2. temporaries of killed runs are swept under the lock --------------------
dead=$(sh -c 'echo $$')
for f in "$U.tmp.$dead.0badf00d" "$A.tmp.$dead.0badf00d" \
    "$R/home/alice/.forward.tmp.$dead.0badf00d"; do
	echo junk >"$f"
done
echo live >"$U.tmp.$$.0badf00d"
am users add tmp@archlinux.org bob --category developers >/dev/null
am alias add tmp root >/dev/null
am users forward alice alice@example.org >/dev/null
check_eq "users.tmp.* of a dead process swept" "" "$(ls "$PF" | grep "users.tmp.$dead")"
check_eq "aliases.tmp.* of a dead process swept" "" "$(ls "$PF" | grep "aliases.tmp.$dead")"
check_eq ".forward.tmp.* of a dead process swept" "" \
    "$(ls -a "$R/home/alice" | grep "tmp.$dead")"
check "a live process's temporary is kept" test -e "$U.tmp.$$.0badf00d"
rm -f "$U.tmp.$$.0badf00d" "$R/home/alice/.forward"

# --- 3. .forward --------------------------------------------------------------
# A symlinked home leads out of the root: nothing written there.
ln -s "$R/outside" "$R/home/eve"
chown 1004:1004 "$R/outside"
before=$(sums)
check_eq "forward: symlinked home: 77" 77 "$(rc am users forward eve e@example.org)"
check_eq "forward: symlinked home: nothing written" "$before" "$(sums)"
check_fails "forward: nothing in the link's target" test -e "$R/outside/.forward"
# The same through the fallback for kernels without openat2.
check_eq "forward: symlinked home, no openat2: 77" 77 \
    "$(rc strace -f -o /dev/null -e inject=openat2:error=ENOSYS \
	"$ARCHMAIL" --root "$R" users forward eve e@example.org)"
check_eq "forward: no openat2: nothing written" "$before" "$(sums)"
rm "$R/home/eve"
mkdir -p "$R/home/eve/sub"
chown 1004:1004 "$R/home/eve" "$R/home/eve/sub"
sed -i 's|:/home/eve:|:/home/eve/../eve/sub:|' "$R/etc/passwd"
check_eq "forward: .. in the home: refused" 77 \
    "$(rc strace -f -o /dev/null -e inject=openat2:error=ENOSYS \
	"$ARCHMAIL" --root "$R" users forward eve e@example.org)"
sed -i 's|:/home/eve/../eve/sub:|:/home/eve:|' "$R/etc/passwd"
check "forward: no openat2, plain home: written" \
    strace -f -o /dev/null -e inject=openat2:error=ENOSYS \
    "$ARCHMAIL" --root "$R" users forward eve e@example.org
check_eq "forward: no openat2: content" e@example.org "$(cat "$R/home/eve/.forward")"
# A symlink in a middle component.
mkdir -p "$R/real/home"
mv "$R/home/eve" "$R/real/home/eve"
mv "$R/home" "$R/home.away"
ln -s real/home "$R/home"
before=$(sums)
check_eq "forward: symlinked /home: 77" 77 "$(rc am users forward eve x@example.org)"
check_eq "forward: symlinked /home: nothing written" "$before" "$(sums)"
rm "$R/home"
mv "$R/home.away" "$R/home"
# Bob's home set to alice's: alice's .forward is not his to replace.
am users forward alice alice@example.org >/dev/null
sed -i 's|^bob:x:1001:1001:Bob:/home/bob:|bob:x:1001:1001:Bob:/home/alice:|' \
    "$R/etc/passwd"
before=$(sums)
check_eq "forward: home of another user: 77" 77 \
    "$(rc am users forward bob bob@example.org)"
check_eq "forward: home of another user: alice's .forward kept" "$before" "$(sums)"
sed -i 's|^bob:x:1001:1001:Bob:/home/alice:|bob:x:1001:1001:Bob:/home/bob:|' \
    "$R/etc/passwd"
# A .forward hard-linked to the shadow file is neither read nor replaced.
ln "$R/etc/shadow" "$R/home/bob/.forward"
before=$(sums)
for mode in --dry-run --check ""; do
	out=$(am --json users forward bob bob@example.org $mode 2>&1)
	check_eq "forward: hard link ($mode): 77" 77 "$(rc am users forward bob bob@example.org $mode)"
	case $out in
	*secret*) fail "forward: hard link ($mode): shadow printed" ;;
	*) pass "forward: hard link ($mode): shadow not printed" ;;
	esac
done
check_eq "forward: hard link: nothing written" "$before" "$(sums)"
rm "$R/home/bob/.forward"
# A .forward that is not the user's.
echo root@example.org >"$R/home/bob/.forward"
before=$(sums)
check_eq "forward: .forward owned by root: 77" 77 \
    "$(rc am users forward bob bob@example.org --dry-run)"
check_eq "forward: .forward owned by root: --clear 77" 77 \
    "$(rc am users forward bob --clear)"
check_eq "forward: .forward owned by root: untouched" "$before" "$(sums)"
# Written owned by the user, not group/world-writable (local(8) rule).
chown 1001:1001 "$R/home/bob/.forward"
chmod 0666 "$R/home/bob/.forward"
check "forward: replaces a world-writable one" am users forward bob bob@example.org
check_eq "forward: owner and mode" "1001 1001 644" \
    "$(stat -c '%u %g %a' "$R/home/bob/.forward")"
# Malformed UIDs are not root.
for uid in "" x 1x -1 4294967295; do
	cp "$R/etc/passwd" "$T/passwd"
	printf 'mal:x:%s:1005:Mal:/home/mal:/bin/sh\n' "$uid" >>"$R/etc/passwd"
	mkdir -p "$R/home/mal"
	before=$(sums)
	check_eq "forward: UID \"$uid\": 65" 65 "$(rc am users forward mal m@example.org)"
	check_eq "forward: UID \"$uid\": nothing written" "$before" "$(sums)"
	cp "$T/passwd" "$R/etc/passwd"
done

# --- 4. a symlinked map is refused, the link and its target kept ----------------
for kind in users alias; do
	if [ $kind = users ]; then
		file=$U; args="users add link@archlinux.org bob --category developers"
	else
		file=$A; args="alias add link root"
	fi
	mv "$file" "$file.real"
	ln -s "$(basename "$file").real" "$file"
	before=$(sums)
	check_eq "$kind: symlinked map: 73" 73 "$(rc am $args)"
	check_eq "$kind: symlinked map: --dry-run 73" 73 "$(rc am $args --dry-run)"
	check_eq "$kind: symlinked map: nothing written" "$before" "$(sums)"
	check "$kind: symlinked map: still a link" test -L "$file"
	msg=$(am $args 2>&1)
	case $msg in
	*"symbolic link"*) pass "$kind: symlinked map: says why" ;;
	*) fail "$kind: symlinked map: says why (got: $msg)" ;;
	esac
	rm "$file"
	mv "$file.real" "$file"
done

# --- 5. remove validates its argument ----------------------------------------------
before=$(sums)
for bad in "$(printf 'x\n@archlinux.org')" "$(printf 'x\033[2J@archlinux.org')"; do
	check_eq "users remove: control character: 65" 65 "$(rc am users remove "$bad")"
	out=$(am users remove "$bad" 2>&1)
	case $out in
	*$'\033'*) fail "users remove: raw ESC echoed" ;;
	*unchanged*) fail "users remove: said unchanged" ;;
	*) pass "users remove: message escaped" ;;
	esac
done
for bad in "$(printf 'x\ny')" "$(printf 'x\033[2Jy')"; do
	check_eq "alias remove: control character: 65" 65 "$(rc am alias remove "$bad")"
	out=$(am alias remove "$bad" 2>&1)
	case $out in
	*$'\033'*) fail "alias remove: raw ESC echoed" ;;
	*unchanged*) fail "alias remove: said unchanged" ;;
	*) pass "alias remove: message escaped" ;;
	esac
done
check_eq "remove: nothing written" "$before" "$(sums)"

# --- 6. category names and notes --------------------------------------------------
am users add s1@archlinux.org bob --new-category 'Svc ' >/dev/null
am users add s2@archlinux.org bob --new-category ' Svc' >/dev/null
check_eq "--new-category 'Svc ' twice: one section" 1 "$(grep -c '^# Svc$' "$U")"
check_eq "--new-category trimmed: no trailing blank" 0 "$(grep -c ' $' "$U")"
check_eq "--new-category twice: both in it" "s1@archlinux.org s2@archlinux.org" \
    "$(am --json users list --category svc | grep -o '"key":"[^"]*"' |
	cut -d'"' -f4 | tr '\n' ' ' | sed 's/ $//')"
before=$(sums)
check_eq "--new-category starting with a date: 65" 65 \
    "$(rc am users add d@archlinux.org bob --new-category '2027-01-01 Forwards')"
check_eq "--new-category with a newline: 65" 65 \
    "$(rc am users add d@archlinux.org bob --new-category "$(printf 'A\nb@x.org c')")"
check_eq "--new-category with ESC: 65" 65 \
    "$(rc am users add d@archlinux.org bob --new-category "$(printf 'A\033[2J')")"
check_eq "--new-category invalid UTF-8: 65" 65 \
    "$(rc am users add d@archlinux.org bob --new-category "$(printf 'Caf\xe9')")"
check_eq "--note invalid UTF-8: 65" 65 \
    "$(rc am users add d@archlinux.org bob --category svc --note "$(printf 'caf\xe9')")"
check_eq "--note with a C1 control: 65" 65 \
    "$(rc am users add d@archlinux.org bob --category svc --note "$(printf 'a\xc2\x9bb')")"
check_eq "--note with ESC: 65" 65 \
    "$(rc am users add d@archlinux.org bob --category svc --note "$(printf 'a\033b')")"
check_eq "refused categories and notes: nothing written" "$before" "$(sums)"
check "a UTF-8 note is fine" am users add d@archlinux.org bob --category svc \
    --note 'Café départ' --date
check_eq "UTF-8 note: postmap -q" bob "$(qu d@archlinux.org)"

finish
