#!/bin/bash
# archmail users onboard and users offboard --delete killed (SIGKILL by
# strace fault injection) at the N-th rename, renameat, mkdir, mkdirat,
# write (onboard) or rename, renameat, unlink, unlinkat, rmdir (offboard),
# for every N until the command runs through.
# After each kill every account file and the users file is byte for byte
# its old or its new version (both from one clean run on a copy), the home
# is absent or complete (onboard) or a part of the old one (offboard); the
# re-run completes and ends exactly where the clean run ended (checksums,
# home listing, real postmap -q, pwck/grpck) with no temporaries behind.
# usage (from the repository root): bash tests/cli/crash_onboard.sh ARCHMAIL
. tests/testlib.sh

for tool in strace pwck grpck postmap sha256sum; do
	require_tool "$tool" || finish
done
# LeakSanitizer cannot run under ptrace (a sanitizer build under strace).
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"

# A sysroot: root, daemon, mail (a member: alice), wheel, alice 1000 and
# bob 1005 (so a new account gets 1006, one past the highest), homes and
# shells that exist (pwck has nothing to say about them).  $2 "plain": the
# skeleton is an exact copy of the host's /etc/skel (what useradd --prefix
# copies); otherwise it has a subdirectory, a 0600 file and symlinks too.
make_root() {
	local r=$1 s
	mkdir -p "$r/etc/postfix" "$r/etc/pam.d" "$r/root" "$r/home/alice" \
	    "$r/home/bob" "$r/usr/sbin" "$r/bin" "$r/var/mail" || return 1
	for s in bin/bash bin/sh usr/sbin/nologin; do
		printf '#!/bin/sh\n' >"$r/$s"
		chmod 755 "$r/$s"
	done
	cp /etc/login.defs "$r/etc/login.defs"
	cat >"$r/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
mail:x:8:8:mail:/var/mail:/usr/sbin/nologin
alice:x:1000:1000:Alice:/home/alice:/bin/bash
bob:x:1005:1005:Bob:/home/bob:/bin/bash
EOF
	cat >"$r/etc/shadow" <<'EOF'
root:*:19000:0:99999:7:::
daemon:*:19000:0:99999:7:::
mail:*:19000:0:99999:7:::
alice:$6$saltsalt$hashhashhash:19000:0:99999:7:::
bob:$y$j9T$salt$hash:19001:0:99999:7:::
EOF
	cat >"$r/etc/group" <<'EOF'
root:x:0:
daemon:x:1:
mail:x:8:alice
wheel:x:10:
alice:x:1000:
bob:x:1005:
EOF
	cat >"$r/etc/gshadow" <<'EOF'
root:*::
daemon:*::
mail:*::alice
wheel:*::
alice:!::
bob:!::
EOF
	chmod 640 "$r/etc/shadow" "$r/etc/gshadow"
	chown 1000:1000 "$r/home/alice"
	chown 1005:1005 "$r/home/bob"
	cp -a /etc/skel "$r/etc/skel"
	if [ "${2:-}" != plain ]; then
		mkdir -m 750 "$r/etc/skel/.config"
		mkdir -m 700 "$r/etc/skel/.config/app"
		printf 'setting = 1\n' >"$r/etc/skel/.config/app/conf"
		chmod 640 "$r/etc/skel/.config/app/conf"
		printf 'machine example.org\n' >"$r/etc/skel/.netrc"
		chmod 600 "$r/etc/skel/.netrc"
		ln -s .profile "$r/etc/skel/.profile-link"
		ln -s /var/mail/nowhere "$r/etc/skel/mailbox"
	fi
	cat >"$r/etc/postfix/users" <<'EOF'
# /etc/postfix/users

# Developers
alice@archlinux.org	alice
bob@archlinux.org	bob

# Support staff
zoe@archlinux.org	zoe@example.net

# Ex-staff forwards
EOF
	cp "$PFCONF/main.cf" "$r/etc/postfix/main.cf"
	# Arch: Dovecot's stack includes system-auth (nullok in auth,
	# pam_unix required in account: the expired empty password fails).
	printf 'auth include system-auth\naccount include system-auth\n' \
	    >"$r/etc/pam.d/dovecot"
	cp tests/pam/arch-system-auth "$r/etc/pam.d/system-auth"
	printf 'auth required pam_deny.so\naccount required pam_deny.so\n' \
	    >"$r/etc/pam.d/other"
	postmap -c "$r/etc/postfix" "lmdb:$r/etc/postfix/users"
}

BASE=$T/base
R=$T/root
FILES="etc/passwd etc/shadow etc/group etc/gshadow etc/postfix/users"
ONBOARD=(users onboard carol --name "Carol Example" --category developers
    --groups mail)
OFFBOARD=(users offboard carol --delete)

# A tree entry by entry: type, mode, owner, size, link target.
listing() {
	[ -e "$1" ] || return 0
	(cd "$1" && find . -printf '%P|%y|%m|%U|%G|%s|%l\n' | sort)
}
sum() { if [ -f "$1" ]; then sha256sum <"$1"; else echo absent; fi; }
# The state a run ends in: every account file (and backup), the users
# file, the home.
state() {
	local f
	for f in $FILES etc/passwd- etc/shadow- etc/group- etc/gshadow-; do
		echo "$f $(sum "$1/$f")"
	done
	listing "$1/home/carol"
}
# Files a killed run may leave and a later run must have removed.
leftovers() {
	find "$R" \( -name '*.jnl.*' -o -name '*.tmp.*' -o \
	    -name '.archmail-journal*' -o -regex \
	    '.*/etc/\(passwd\|shadow\|group\|gshadow\)-?\.[0-9]+' -o \
	    -regex '.*/etc/\(passwd\|shadow\|group\|gshadow\)\.lock' \) -print
}
# After a kill: each file its old or its new version.
old_or_new() {	# OLDROOT NEWROOT
	local f s why=""
	for f in $FILES; do
		s=$(sum "$R/$f")
		[ "$s" = "$(sum "$1/$f")" ] || [ "$s" = "$(sum "$2/$f")" ] ||
		    why="$why $f"
	done
	# A backup is absent, the old one, or the one the clean run left.
	for f in etc/passwd- etc/shadow- etc/group- etc/gshadow-; do
		s=$(sum "$R/$f")
		[ "$s" = "$(sum "$1/$f")" ] || [ "$s" = "$(sum "$2/$f")" ] ||
		    why="$why $f"
	done
	echo "$why"
}
q() { postmap -c "$R/etc/postfix" -q "$1" "lmdb:$R/etc/postfix/users"; }
table_agrees() {
	[ "$(grep -c '^[^#[:space:]]' "$R/etc/postfix/users")" = \
	    "$(postmap -c "$R/etc/postfix" -s "lmdb:$R/etc/postfix/users" |
	    wc -l)" ]
}

make_root "$BASE" || { fail "sysroot"; finish; }
# The clean runs: onboard on a copy of BASE, offboard on a copy of that.
ON=$T/on OFF=$T/off
cp -a "$BASE" "$ON"
"$ARCHMAIL" --root "$ON" -q "${ONBOARD[@]}" >/dev/null 2>&1
check_eq "clean onboard" 0 $?
cp -a "$ON" "$OFF"
"$ARCHMAIL" --root "$OFF" -q "${OFFBOARD[@]}" >/dev/null 2>&1
check_eq "clean offboard --delete" 0 $?
check "control: onboarding changes every file" test -z "$(for f in $FILES; do
	cmp -s "$BASE/$f" "$ON/$f" && echo "$f"; done)"
check "control: offboarding changes every file" test -z "$(for f in $FILES; do
	cmp -s "$ON/$f" "$OFF/$f" && echo "$f"; done)"
check "control: the clean onboard made the home" test -d "$ON/home/carol"
HOME_NEW=$(listing "$ON/home/carol")
END_ON=$(state "$ON")
END_OFF=$(state "$OFF")

# WHAT: onboard or offboard.  Kill at every N-th call of each system call
# until a run completes; check as described above.
crash_loop() {
	local what=$1 from to cmd sc n st why kills=0 bad=0 home w
	shift
	if [ "$what" = onboard ]; then
		from=$BASE to=$ON cmd=("${ONBOARD[@]}")
	else
		from=$ON to=$OFF cmd=("${OFFBOARD[@]}")
	fi
	for sc in "$@"; do
		n=1
		while :; do
			rm -rf "$R"
			cp -a "$from" "$R"
			# (A subshell: its shell, not ours, says "Killed".)
			(strace -f -o /dev/null -e trace="$sc" \
			    -e inject="$sc":signal=SIGKILL:when=$n \
			    "$ARCHMAIL" --root "$R" -q "${cmd[@]}" \
			    >/dev/null 2>&1
			    exit $?) 2>/dev/null
			st=$?
			[ "$st" -eq 137 ] || break
			kills=$((kills + 1))
			why=$(old_or_new "$from" "$to")
			why=${why:+ mixed files:$why}
			home=$(listing "$R/home/carol")
			if [ "$what" = onboard ]; then
				[ -z "$home" ] || [ "$home" = "$HOME_NEW" ] ||
				    why="$why partial home"
			else
				[ -z "$(comm -13 <(echo "$HOME_NEW") \
				    <(echo "$home"))" ] ||
				    why="$why foreign entries in the home"
			fi
			"$ARCHMAIL" --root "$R" --lock-timeout 2 -q "${cmd[@]}" \
			    >/dev/null 2>"$T/err"
			st=$?
			[ "$st" -eq 0 ] || why="$why re-run exit $st:$(cat "$T/err")"
			[ "$(state "$R")" = "$([ "$what" = onboard ] &&
			    echo "$END_ON" || echo "$END_OFF")" ] ||
			    why="$why end state differs"
			w=$(leftovers)
			[ -z "$w" ] || why="$why leftovers: $w"
			if [ "$what" = onboard ]; then
				[ "$(q carol@archlinux.org)" = carol ] ||
				    why="$why postmap -q"
			else
				! q carol@archlinux.org >/dev/null ||
				    why="$why postmap -q still finds it"
			fi
			table_agrees || why="$why table and text disagree"
			pwck -r -R "$R" >/dev/null 2>&1 || why="$why pwck"
			grpck -r -R "$R" >/dev/null 2>&1 || why="$why grpck"
			if [ -n "$why" ]; then
				bad=$((bad + 1))
				fail "$what killed at $sc #$n:$why"
			fi
			n=$((n + 1))
		done
		[ "$st" -eq 0 ] || fail "$what under strace ($sc #$n): exit $st"
		echo "$what: $sc: $((n - 1)) kill points"
	done
	check "$what: $kills kills, each re-run ended where the clean run did" \
	    test "$kills" -gt 10 -a "$bad" -eq 0
}

crash_loop onboard rename renameat mkdir mkdirat write
crash_loop offboard rename renameat unlink unlinkat rmdir

finish
