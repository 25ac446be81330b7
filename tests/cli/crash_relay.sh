#!/bin/bash
# Crashes in the middle of multi-file account changes (relay add, relay
# remove --delete, relay rotate, passwd clear, passwd set): strace kills
# archmail at the N-th rename/write/fsync/... for every N until the
# command runs through; after each kill read-only commands still work,
# the next archmail commands complete the change, and real pwck/grpck,
# real postmap -q and the files agree.  Then random SIGKILLs on a large
# sysroot, and regressions: refusals that wrote anyway, SIGTERM during
# --json, lock files that are symlinks/FIFOs/directories, leftovers of
# killed runs, the client file's mode.
#
# usage (from the repository root): bash tests/cli/crash_relay.sh ARCHMAIL
. tests/testlib.sh

for tool in strace pwck grpck postmap postfwd; do
	if ! command -v "$tool" >/dev/null; then
		fail "$tool is not installed (tests/install-deps.sh)"
		finish
	fi
done

R=$T/root
BASE=$T/base
am() { "$ARCHMAIL" --root "$R" --lock-timeout 2 "$@"; }
crypt_ok() {
	python3 -W ignore -c 'import crypt, sys
sys.exit(0 if crypt.crypt(sys.argv[1], sys.argv[2]) == sys.argv[2] else 1)' "$1" "$2"
}
field() { awk -F: -v u="$1" -v f="$3" '$1 == u { print $f }' "$R/etc/$2"; }

# A root with alice (a login user), aur (a relay account with a home) and
# a managed postfwd block; NUSERS extra accounts for the big one.
make_base() {
	local b=$1 nusers=${2:-0}
	rm -rf "$b"
	mkdir -p "$b/etc/postfix" "$b/etc/postfwd" "$b/etc/pam.d" \
	    "$b/usr/bin" "$b/bin" "$b/root" "$b/home/alice"
	for s in usr/bin/nologin bin/bash; do
		printf '#!/bin/sh\n' > "$b/$s"
		chmod 755 "$b/$s"
	done
	{
		printf 'root:x:0:0:root:/root:/bin/bash\n'
		printf 'alice:x:1000:1000:Alice:/home/alice:/bin/bash\n'
		printf 'nobody:x:65534:65534:nobody:/:/usr/bin/nologin\n'
	} > "$b/etc/passwd"
	{
		printf 'root:*:19000:0:99999:7:::\n'
		printf 'alice:$6$abc$def:19000:0:99999:7:::\n'
		printf 'nobody:*:19000:0:99999:7:::\n'
	} > "$b/etc/shadow"
	printf 'root:x:0:\nalice:x:1000:\nnobody:x:65534:\n' > "$b/etc/group"
	printf 'root:*::\nalice:!::\nnobody:!::\n' > "$b/etc/gshadow"
	if [ "$nusers" -gt 0 ]; then
		# Written directly: useradd would take minutes.  Homes "/"
		# so that pwck has nothing to say about them.
		awk -v n="$nusers" 'BEGIN { for (i = 0; i < n; i++)
		    printf "u%d:x:%d:100:U:/:/usr/bin/nologin\n", i, 2000 + i }' \
		    >> "$b/etc/passwd"
		awk -v n="$nusers" 'BEGIN { for (i = 0; i < n; i++)
		    printf "u%d:!:19000:0:99999:7:::\n", i }' >> "$b/etc/shadow"
		printf 'users:x:100:\n' >> "$b/etc/group"
		printf 'users:!::\n' >> "$b/etc/gshadow"
	fi
	chmod 640 "$b/etc/shadow" "$b/etc/gshadow"
	printf 'UID_MIN 1000\nUID_MAX 60000\n' > "$b/etc/login.defs"
	printf '# limits\nid=logging; protocol_state==END-OF-MESSAGE; action=dunno\n' \
	    > "$b/etc/postfwd/postfwd.cf"
	printf 'auth required pam_unix.so\naccount required pam_unix.so\n' \
	    > "$b/etc/pam.d/dovecot"
	cp "$PFCONF/main.cf" "$b/etc/postfix/main.cf"
	"$ARCHMAIL" --root "$b" -q postfwd sync --init &&
	    echo 'pw-aur' | "$ARCHMAIL" --root "$b" -q relay add \
	    aur.archlinux.org --password-stdin
}

# Files a killed run may leave and a later run must have removed.
leftovers() {
	find "$R" \( -name '*.tmp.*' -o -name '*.jnl.*' -o \
	    -name '.archmail-journal*' -o -regex \
	    '.*/etc/\(passwd\|shadow\|group\|gshadow\)-?\.[0-9]+' -o \
	    \( -name '*.lock' ! -name '.pwd.lock' \) \) -print
}

# Account files agree with each other and with shadow-utils.
accounts_ok() {
	accounts_agree || return 1
	[ -z "$(leftovers)" ] || { echo "leftovers: $(leftovers)"; return 1; }
}
accounts_agree() {
	pwck -r -R "$R" >/dev/null 2>&1 || { echo "pwck"; return 1; }
	grpck -r -R "$R" >/dev/null 2>&1 || { echo "grpck"; return 1; }
	[ "$(cut -d: -f1 "$R/etc/passwd" | sort)" = \
	    "$(cut -d: -f1 "$R/etc/shadow" | sort)" ] ||
	    { echo "passwd/shadow names"; return 1; }
	[ ! -e "$R/etc/.archmail-journal" ] || { echo "journal"; return 1; }
}

# postmap -q on the table agrees with the source, for every entry.
map_ok() {
	local map=$R/etc/postfix/smtp_sender_map k v
	[ -e "$map" ] || return 0
	while read -r k v; do
		[ "$(postmap -c "$PFCONF" -q "$k" "lmdb:$map")" = "$v" ] ||
		    { echo "postmap -q $k"; return 1; }
	done < "$map"
}

# USER of HOST is a complete relay account (or, with "absent", gone).
relay_state() {
	local user=$1 host=$2 want=$3 map=$R/etc/postfix/smtp_sender_map
	local inpw insh inpf inmap inq home
	inpw=$(grep -c "^$user:" "$R/etc/passwd")
	insh=$(grep -c "^$user:" "$R/etc/shadow")
	inpf=$(grep -cE "^\s*sasl_username==$user;?$" "$R/etc/postfwd/postfwd.cf")
	inmap=$(grep -cx "@$host $user" "$map" 2>/dev/null)
	inq=$(postmap -c "$PFCONF" -q "@$host" "lmdb:$map" 2>/dev/null)
	home=$(test -d "$R/home/$host" && echo 1 || echo 0)
	if [ "$want" = present ]; then
		[ "$inpw$insh$inpf$inmap$inq$home" = "1111${user}1" ] ||
		    { echo "$user: $inpw$insh$inpf$inmap/$inq/$home"; return 1; }
		[ "$(stat -c '%a %u' "$R/home/$host")" = \
		    "700 $(field "$user" passwd 3)" ] ||
		    { echo "home of $user"; return 1; }
	else
		[ "$inpw$insh$inpf$inmap$inq$home" = "00000" ] ||
		    { echo "$user: $inpw$insh$inpf$inmap/$inq/$home"; return 1; }
	fi
}

# The state each command must end in.
final_ok() {
	local h
	case $1 in
	add)
		relay_state foo foo.archlinux.org present || return 1
		h=$(field foo shadow 2)
		crypt_ok pw-foo "$h" || { echo "foo hash"; return 1; }
		[ "$(cat "$R/root/client")" = "mail.archlinux.org foo:pw-foo" ] ||
		    { echo "client file"; return 1; }
		[ "$(stat -c %a "$R/root/client")" = 600 ] ||
		    { echo "client file mode"; return 1; }
		relay_state aur aur.archlinux.org present ;;
	remove)
		relay_state aur aur.archlinux.org absent ;;
	rotate)
		crypt_ok pw-new "$(field aur shadow 2)" ||
		    { echo "aur hash"; return 1; }
		[ "$(cat "$R/root/client")" = "mail.archlinux.org aur:pw-new" ] ||
		    { echo "client file"; return 1; } ;;
	clear)
		[ -z "$(field alice shadow 2)" ] ||
		    { echo "alice not cleared"; return 1; } ;;
	set)
		crypt_ok pw-alice "$(field alice shadow 2)" ||
		    { echo "alice hash"; return 1; } ;;
	esac
	map_ok
}


# The command line of each case, after "archmail --root R".
cmdline() {
	case $1 in
	add) echo "relay add foo.archlinux.org --password-stdin --client-file $R/root/client" ;;
	remove) echo "relay remove aur.archlinux.org --delete" ;;
	rotate) echo "relay rotate aur.archlinux.org --password-stdin --client-file $R/root/client" ;;
	clear) echo "passwd clear alice" ;;
	set) echo "passwd set alice --password-stdin" ;;
	esac
}
password() {
	case $1 in
	add) echo pw-foo ;; rotate) echo pw-new ;; set) echo pw-alice ;;
	*) echo ;;
	esac
}

make_base "$BASE" || { fail "base root"; finish; }

# 1. A kill at every N-th call of each of these system calls.
SYSCALLS="rename renameat write fsync fdatasync mkdir unlink unlinkat"
for c in add remove rotate clear set; do
	kills=0 bad=0
	for sc in $SYSCALLS; do
		n=1
		while :; do
			rm -rf "$R"
			cp -a "$BASE" "$R"
			# Without -f: only archmail, not postfwd -C, is killed.
			# LeakSanitizer cannot run under ptrace: off here.
			# shellcheck disable=SC2046
			(password "$c" | ASAN_OPTIONS=detect_leaks=0 \
			    strace -o /dev/null -e trace="$sc" \
			    -e inject="$sc":signal=SIGKILL:when=$n \
			    "$ARCHMAIL" --root "$R" -q $(cmdline "$c") \
			    >/dev/null 2>&1) 2>/dev/null
			rc=$?
			[ "$rc" -eq 137 ] || break
			kills=$((kills + 1))
			why=""
			# Readers work on whatever a crash left...
			am -q relay list >/dev/null 2>&1 || why="relay list"
			am passwd status alice >/dev/null 2>&1 ||
			    why="$why passwd status"
			# ...a writer of another kind repairs the accounts...
			am -q postfwd sync >/dev/null 2>&1 || why="$why postfwd sync"
			w=$(accounts_agree) || why="$why after sync: $w"
			# ...and the command itself completes (remove of an
			# account already gone: "no relay account", 67).
			# shellcheck disable=SC2046
			password "$c" | am -q $(cmdline "$c") >/dev/null 2>&1
			rc=$?
			[ "$rc" -eq 0 ] || [ "$c.$rc" = remove.67 ] ||
			    why="$why retry exit $rc"
			w=$(accounts_ok) || why="$why after retry: $w"
			w=$(final_ok "$c") || why="$why final: $w"
			if [ -n "$why" ]; then
				bad=$((bad + 1))
				fail "$c killed at $sc #$n:$why"
			fi
			n=$((n + 1))
		done
		if [ "$rc" -ne 0 ]; then
			fail "$c under strace ($sc, $n) exit $rc"
		fi
	done
	check "$c: $kills kills, each completed by the next commands" \
	    test "$kills" -gt 5 -a "$bad" -eq 0
	w=$(accounts_ok && final_ok "$c")
	check "$c: unkilled run complete${w:+ ($w)}" test -z "$w"
done

# 2. Random SIGKILLs on a large root: relay add, then relay remove --delete
# of the same host, each killed after a random delay and repaired by
# running it again.  pwck is slow on so many accounts: the per-run checks
# are done here (fields, names, duplicates), pwck and grpck once at the end.
fast_ok() {
	awk -F: 'NF != 7 { exit 1 }' "$R/etc/passwd" || { echo "passwd fields"; return 1; }
	awk -F: 'NF != 9 { exit 1 }' "$R/etc/shadow" || { echo "shadow fields"; return 1; }
	[ -z "$(cut -d: -f1 "$R/etc/passwd" | sort | uniq -d)" ] ||
	    { echo "duplicate names"; return 1; }
	[ "$(cut -d: -f1 "$R/etc/passwd" | sort)" = \
	    "$(cut -d: -f1 "$R/etc/shadow" | sort)" ] ||
	    { echo "passwd/shadow names"; return 1; }
	[ -z "$(leftovers)" ] || { echo "leftovers: $(leftovers)"; return 1; }
}
make_base "$R" 20000 || fail "large root"
start=$(date +%s%N)
"$ARCHMAIL" --root "$R" -q relay add probe.archlinux.org --generate \
    --client-file "$R/root/probe" >/dev/null 2>&1
span=$(( ($(date +%s%N) - start) / 1000000 + 20 ))	# ms, a whole run
bad=0 killed=0
for i in $(seq 1 50); do
	h=r$i.archlinux.org
	for what in add remove; do
		if [ $what = add ]; then
			set -- relay add "$h" --password-stdin \
			    --client-file "$R/root/c$i"
		else
			set -- relay remove "$h" --delete
		fi
		"$ARCHMAIL" --root "$R" -q "$@" <<<"pw-$i" >/dev/null 2>&1 &
		pid=$!
		sleep "$(awk -v r=$RANDOM -v s="$span" \
		    'BEGIN { printf "%.3f", r / 32768 * s / 1000 }')"
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		[ $? -eq 137 ] && killed=$((killed + 1))
		"$ARCHMAIL" --root "$R" --lock-timeout 5 -q "$@" <<<"pw-$i" \
		    >/dev/null 2>&1
		rc=$?
		why=""
		[ "$rc" -eq 0 ] || [ "$what.$rc" = remove.67 ] ||
		    why="repair exit $rc"
		w=$(fast_ok) || why="$why $w"
		if [ $what = add ]; then
			w=$(relay_state "r$i" "$h" present) || why="$why $w"
			crypt_ok "pw-$i" "$(field "r$i" shadow 2)" ||
			    why="$why hash"
		else
			w=$(relay_state "r$i" "$h" absent) || why="$why $w"
		fi
		if [ -n "$why" ]; then
			bad=$((bad + 1))
			fail "random kill of $what $h:$why"
		fi
	done
done
check "random kills on 20000 accounts: $killed of 100 runs killed, all repaired" \
    test "$bad" -eq 0 -a "$killed" -ge 20
check "pwck -r -R clean after the random kills" pwck -r -R "$R"
check "grpck -r -R clean after the random kills" grpck -r -R "$R"
w=$(map_ok)
check "postmap -q agrees with the sender map source${w:+ ($w)}" test -z "$w"

# 3. Refusals write nothing.
snapshot() {
	( cd "$R" && find . -path ./home -prune -o -type f ! -name .pwd.lock \
	    -print0 | sort -z | xargs -0 sha1sum; ls -la home )
}
for kind in symlink file otheruser; do
	rm -rf "$R"
	cp -a "$BASE" "$R"
	case $kind in
	symlink) ln -s /tmp "$R/home/evil.archlinux.org" ;;
	file) : > "$R/home/evil.archlinux.org" ;;
	otheruser) mkdir "$R/home/evil.archlinux.org"
		chown 4242:4242 "$R/home/evil.archlinux.org" ;;
	esac
	before=$(snapshot)
	am relay add evil.archlinux.org --password-stdin <<<'pw-evil' \
	    >/dev/null 2>&1
	check_eq "add with a home that is a $kind: exit 73" 73 $?
	check_eq "... and nothing written" "$before" "$(snapshot)"
done
rm -rf "$R"
cp -a "$BASE" "$R"
chown 4242 "$R/home/aur.archlinux.org"
before=$(snapshot)
am relay remove aur.archlinux.org --delete >/dev/null 2>&1
check_eq "remove --delete, home of another uid: exit 65" 65 $?
check_eq "... and nothing written" "$before" "$(snapshot)"
am relay remove aur.archlinux.org >/dev/null 2>&1
check_eq "... remove without --delete still works" 0 $?

# 4. SIGTERM during relay add --json: whenever the account was written,
# the JSON result was printed.
rm -rf "$R"
cp -a "$BASE" "$R"
lost=0 committed=0
for i in $(seq 1 30); do
	"$ARCHMAIL" --root "$R" --json relay add "t$i.archlinux.org" \
	    --password-stdin <<<"pw-$i" >"$T/out" 2>/dev/null &
	pid=$!
	sleep "$(awk -v r=$RANDOM 'BEGIN { printf "%.3f", r / 32768 * 0.15 }')"
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	if grep -q "^t$i:" "$R/etc/shadow"; then
		committed=$((committed + 1))
		grep -q '"ok":true' "$T/out" || lost=$((lost + 1))
	fi
done
check "SIGTERM: JSON printed for all $committed committed runs of 30" \
    test "$lost" -eq 0 -a "$committed" -gt 0
w=$(accounts_ok)
check "SIGTERM: accounts consistent${w:+ ($w)}" test -z "$w"

# 5. Lock files that can never be locks: a bounded error, not a hang.
for lock in passwd.lock shadow.lock .pwd.lock; do
	for kind in symlink fifo dir; do
		rm -rf "$R"
		cp -a "$BASE" "$R"
		rm -f "$R/etc/$lock"
		case $kind in
		symlink) ln -s /nonexistent "$R/etc/$lock" ;;
		fifo) mkfifo "$R/etc/$lock" ;;
		dir) mkdir "$R/etc/$lock" ;;
		esac
		start=$(date +%s)
		timeout -k 2 20 "$ARCHMAIL" --root "$R" --lock-timeout 2 relay add \
		    lk.archlinux.org --password-stdin <<<'pw' >/dev/null 2>&1
		rc=$?
		took=$(( $(date +%s) - start ))
		check "$lock as a $kind: exit 74 within 5 s (exit $rc, ${took}s)" \
		    test "$rc" -eq 74 -a "$took" -le 5
	done
done
# am_lock_path (users, alias): the same for FILE.lock.
U=$R/etc/postfix/users
for kind in symlink fifo dir; do
	rm -rf "$U.lock"
	printf 'a@archlinux.org alice\n' > "$U"
	case $kind in
	symlink) ln -s /nonexistent "$U.lock" ;;
	fifo) mkfifo "$U.lock" ;;
	dir) mkdir "$U.lock" ;;
	esac
	start=$(date +%s)
	timeout -k 2 20 "$ARCHMAIL" --root "$R" --lock-timeout 2 users add \
	    b@archlinux.org alice >/dev/null 2>&1
	rc=$?
	took=$(( $(date +%s) - start ))
	check "users lock as a $kind: exit 74 within 5 s (exit $rc, ${took}s)" \
	    test "$rc" -eq 74 -a "$took" -le 5
done
rm -rf "$U" "$U.lock"

# 6. Leftovers of killed runs (dead PIDs) are swept; a live one stays.
rm -rf "$R"
cp -a "$BASE" "$R"
sh -c 'exit 0' &
dead=$!
wait "$dead"
E=$R/etc
for f in "$E/passwd.$dead" "$E/shadow.$dead" "$E/passwd-.tmp.$dead.1" \
    "$E/shadow-.tmp.$dead.2" "$E/shadow.jnl.$dead.3" \
    "$E/postfwd/postfwd.cf.tmp.$dead.4" "$E/postfwd/postfwd.cf.jnl.$dead.5" \
    "$E/postfix/smtp_sender_map.tmp.$dead.6" \
    "$E/postfix/smtp_sender_map.jnl.$dead.7" \
    "$E/.archmail-journal.tmp.$dead.8" "$E/passwd.tmp.$$.9"; do
	: > "$f"
done
am -q relay add sw.archlinux.org --password-stdin <<<'pw-sw' >/dev/null 2>&1
check_eq "relay add with leftovers around" 0 $?
check_eq "dead runs' files swept, the live one kept" "$E/passwd.tmp.$$.9" \
    "$(leftovers)"
rm -f "$E/passwd.tmp.$$.9"

# 7. A client file is written 0600 even when it was 0644.
printf 'old\n' > "$R/root/client"
chmod 644 "$R/root/client"
am -q relay rotate sw.archlinux.org --password-stdin --client-file \
    "$R/root/client" <<<'pw-new' >/dev/null 2>&1
check_eq "rotate with a 0644 client file" 0 $?
check_eq "client file now 0600" 600 "$(stat -c %a "$R/root/client")"
check_eq "client file line" "mail.archlinux.org sw:pw-new" \
    "$(cat "$R/root/client")"

# 8. A program that ignores the journal (useradd) changes shadow between
# the crash and the next archmail run: the replay refuses rather than
# overwrite that change with stale contents.
rm -rf "$R"
cp -a "$BASE" "$R"
# Killed at the 3rd rename (shadow's backup): passwd is already new.
(echo pw-foo | strace -o /dev/null -e trace=rename \
    -e inject=rename:signal=SIGKILL:when=3 "$ARCHMAIL" --root "$R" -q \
    relay add foo.archlinux.org --password-stdin >/dev/null 2>&1) 2>/dev/null
check_eq "killed before shadow was replaced" 137 $?
check "... a journal is pending" test -e "$R/etc/.archmail-journal"
useradd --prefix "$R" -g nobody -s /usr/bin/nologin bob >/dev/null 2>&1
check "useradd bob meanwhile" grep -q '^bob:' "$R/etc/shadow"
am -q relay add foo.archlinux.org --password-stdin <<<'pw-foo' \
    >/dev/null 2>"$T/err"
check_eq "replay over a changed file: exit 74" 74 $?
check "... the message says why" grep -q 'changed by another program' \
    "$T/err"
check "... bob kept in shadow" grep -q '^bob:' "$R/etc/shadow"
check "... bob kept in passwd" grep -q '^bob:' "$R/etc/passwd"
check "... readers see bob" am passwd status bob

finish
