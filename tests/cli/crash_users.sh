#!/bin/bash
# archmail users add / alias add killed at every point of the commit: by
# strace fault injection (SIGKILL at each renameat and each fsync, the
# system calls of the text and table replacement), then at random moments
# on a 300,000-line users file.  After every kill the re-run of the same
# add must leave text and table consistent (real postmap -q / postalias -q
# finds the entry, the text has it once) and no temporary file behind.
# usage (from the repository root): bash tests/cli/crash_users.sh ARCHMAIL
. tests/testlib.sh

for tool in postmap postalias strace; do
	command -v "$tool" >/dev/null || { echo "FAIL: $tool missing" >&2; exit 1; }
done
# LeakSanitizer cannot run under ptrace (a sanitizer build under strace).
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"

R=$T/root
PF=$R/etc/postfix
U=$PF/users
A=$PF/aliases
mkdir -p "$PF"
cp "$PFCONF/main.cf" "$PF/main.cf"
printf 'root:x:0:0:root:/root:/bin/bash\nbob:x:1001:1001::/home/bob:/bin/sh\n' \
    >"$R/etc/passwd"
printf '# Staff\nalice@archlinux.org\tbob\n' >"$U"
printf 'postmaster: root\n' >"$A"

am() {
	"$ARCHMAIL" --root "$R" "$@"
}
qu() {
	postmap -c "$PF" -q "$1" "lmdb:$U"
}
qa() {
	postalias -c "$PF" -q "$1" "lmdb:$A"
}
temporaries() {
	ls -a "$PF" | grep '\.tmp\.'
}
# How often the system call $1 happens in "$@" (after $1).
count_calls() {
	local call=$1
	shift
	strace -f -o "$T/trace" -e trace="$call" "$@" >/dev/null 2>&1
	grep -c "$call(" "$T/trace"
}

am users add alice@archlinux.org bob --category staff >/dev/null 2>&1
am alias add abuse root >/dev/null 2>&1

# --- SIGKILL at every renameat and fsync --------------------------------------
n=0
for kind in users alias; do
	for call in renameat fsync; do
		if [ $kind = users ]; then
			cmd=(users add); key=k$kind$call; q=qu; file=$U
		else
			cmd=(alias add); key=k$kind$call; q=qa; file=$A
		fi
		# A fresh key per system call: count the calls of one add.
		calls=$(count_calls $call "$ARCHMAIL" --root "$R" \
		    "${cmd[@]}" probe$call@archlinux.org bob --any-domain \
		    --category staff)
		[ $kind = alias ] && calls=$(count_calls $call "$ARCHMAIL" \
		    --root "$R" alias add probe$call root)
		# The text is renamed into place; the table is updated in
		# place (one renameat) or rebuilt (two).
		if [ "$calls" -lt 1 ] || { [ $call = fsync ] &&
		    [ "$calls" -lt 2 ]; }; then
			fail "$kind: expected more ${call}s, got $calls"
			continue
		fi
		for when in $(seq 1 "$calls"); do
			if [ $kind = users ]; then
				k=$key$when@archlinux.org
				args=(users add "$k" bob --category staff)
			else
				k=$key$when
				args=(alias add "$k" root)
			fi
			# (A subshell: its shell, not ours, reports "Killed".)
			(strace -f -o /dev/null \
			    -e inject=$call:signal=SIGKILL:when=$when \
			    "$ARCHMAIL" --root "$R" "${args[@]}" >/dev/null 2>&1
			    exit $?) 2>/dev/null
			st=$?
			[ $st -eq 137 ] || fail "$kind $call #$when: not killed ($st)"
			am "${args[@]}" >/dev/null 2>&1
			check_eq "$kind: killed at $call #$when, re-run: exit 0" 0 $?
			if $q "$k" >/dev/null; then
				pass "$kind: killed at $call #$when: table has it"
			else
				fail "$kind: killed at $call #$when: table has it"
			fi
			check_eq "$kind: killed at $call #$when: once in the text" 1 \
			    "$(grep -c "^$k[:[:space:]]" "$file")"
			check_eq "$kind: killed at $call #$when: no temporaries" "" \
			    "$(temporaries)"
			n=$((n + 1))
		done
	done
done
check "fault injection points tried: $n" test "$n" -ge 6

# --- random SIGKILLs on a 300,000-line users file --------------------------------
awk 'BEGIN { print "# Bulk"; for (i = 0; i < 300000; i++)
    printf "u%06d@archlinux.org\tbob\n", i }' >"$U"
am users add first@archlinux.org bob --category bulk >/dev/null 2>&1
start=$(date +%s%N)
am users add second@archlinux.org bob --category bulk >/dev/null 2>&1
span=$((($(date +%s%N) - start) / 1000)) # microseconds
[ "$span" -gt 0 ] || span=200000
runs=0 bad=0 stale=0
for i in $(seq 1 50); do
	k=r$i@archlinux.org
	"$ARCHMAIL" --root "$R" users add "$k" bob --category bulk \
	    >/dev/null 2>&1 &
	pid=$!
	delay=$((RANDOM * span / 32768))
	sleep "$(printf '0.%06d' "$delay")"
	kill -KILL $pid 2>/dev/null
	wait $pid 2>/dev/null
	# Killed between the text's rename and the table's.
	grep -q "^$k	" "$U" && ! qu "$k" >/dev/null && stale=$((stale + 1))
	am users add "$k" bob --category bulk >/dev/null 2>&1 || bad=$((bad + 1))
	qu "$k" >/dev/null || bad=$((bad + 1))
	[ "$(grep -c "^$k	" "$U")" = 1 ] || bad=$((bad + 1))
	[ -z "$(temporaries)" ] || bad=$((bad + 1))
	runs=$((runs + 1))
done
echo "random kills: $runs runs, $stale left a text ahead of its table"
check_eq "random SIGKILLs: every re-run left text and table consistent" \
    "50 0" "$runs $bad"
# Text and table agree as a whole: as many records as entries.
check_eq "random SIGKILLs: table and text have the same entries" \
    "$(grep -vc '^#' "$U")" "$(postmap -c "$PF" -s "lmdb:$U" | wc -l)"

finish
