#!/bin/bash
# Regression tests for what an adversarial review of issue 9 found after
# it landed: FIFOs where archmail reads a file of its own (it waited
# forever), login.defs read unlike shadow-utils (a system account could be
# cleared), shells that cannot log in, an empty --root (the live system),
# and --json answers lost to a usage error found before the --json.
#
# usage (from the repository root): bash tests/cli/review_attack.sh ARCHMAIL
. tests/testlib.sh

R=$T/root
[ -n "$R" ] || exit 1
am() { timeout -k 2 10 "$ARCHMAIL" --root "$R" --lock-timeout 1 "$@"; }

make_root() {
	rm -rf "$R"
	mkdir -p "$R/etc/pam.d" "$R/etc/postfix" "$R/home/alice"
	printf 'root:x:0:0:root:/root:/bin/bash\n' > "$R/etc/passwd"
	printf 'alice:x:1500:1500:Alice:/home/alice:/bin/bash\n' \
	    >> "$R/etc/passwd"
	printf 'root:*:19000:0:99999:7:::\nalice:$y$j9T$a$b:19000:0:99999:7:::\n' \
	    > "$R/etc/shadow"
	printf 'root:x:0:\nalice:x:1500:\n' > "$R/etc/group"
	chown 1500:1500 "$R/home/alice"
	# A stack that never lets an empty password in.
	printf 'auth required pam_unix.so\naccount required pam_unix.so\n' \
	    > "$R/etc/pam.d/other"
	cp "$PFCONF/main.cf" "$R/etc/postfix/main.cf"
	printf '# Staff\nalice@archlinux.org alice\n' > "$R/etc/postfix/users"
	printf 'postmaster: root\n' > "$R/etc/postfix/aliases"
}

# Every file and its bytes; empty lock files (taken and released, as
# shadow-utils leaves .pwd.lock) aside.
tree_sum() {
	(cd "$R" && find . ! -name '*.lock' -printf '%p %y %m %U\n' | sort &&
	    find . -type f ! -name '*.lock' -print0 | sort -z |
	    xargs -0 sha1sum) | sha1sum
}

# --- FIFOs where archmail reads a file of its own ---------------------------
# Each must be refused at once (66 or 78), never waited on (124/137).
fifo_case() {
	local desc=$1 path=$2 want=$3
	shift 3
	make_root
	rm -f "$R/$path"
	mkfifo "$R/$path"
	before=$(tree_sum)
	am "$@" >/dev/null 2>"$T/err"
	check_eq "FIFO at $path, $desc: exit $want (not a hang)" "$want" $?
	check "... named in the message" grep -q "not a regular file" "$T/err"
	check_eq "... nothing written" "$before" "$(tree_sum)"
}
fifo_case "users list" etc/archmail.conf 78 users list
fifo_case "users list" etc/postfix/main.cf 78 users list
fifo_case "users list" etc/postfix/users 66 users list
fifo_case "users add" etc/postfix/users 66 users add bob@archlinux.org alice \
    --category Staff
fifo_case "alias add" etc/postfix/aliases 66 alias add abuse root
fifo_case "passwd clear" etc/login.defs 66 passwd clear alice
fifo_case "users forward" etc/passwd 66 users forward alice a@example.org

# --- login.defs as shadow-utils reads it ------------------------------------
# alice has uid 1500; with UID_MIN 2000 she is a system account.
for value in '0x7d0' '"2000"' $'2000\r' '03720' '  2000  '; do
	make_root
	printf 'UID_MIN %s\n' "$value" > "$R/etc/login.defs"
	before=$(tree_sum)
	am passwd clear alice >/dev/null 2>"$T/err"
	rc=$?
	check_eq "UID_MIN $(printf %q "$value"): uid 1500 is a system account (65)" \
	    65 "$rc"
	check "... said so" grep -q "below UID_MIN" "$T/err"
	check_eq "... nothing written" "$before" "$(tree_sum)"
done
make_root
printf 'UID_MIN 1000 # people\n' > "$R/etc/login.defs"
am passwd clear alice >/dev/null 2>&1
check_eq "UID_MIN with a trailing comment is no number: default 1000 (0)" \
    0 $?

# --- shells that do not log in ----------------------------------------------
for shell in /bin/true /bin/sync '/usr/sbin/nologin ' /usr/sbin/nologin/; do
	make_root
	sed -i "s|:/bin/bash\$|:$shell|" "$R/etc/passwd"
	grep -q "^alice:.*:$shell\$" "$R/etc/passwd" || fail "setup: shell"
	am passwd clear alice >/dev/null 2>"$T/err"
	rc=$?
	check_eq "shell $(printf %q "$shell"): refused as a system account (65)" \
	    65 "$rc"
done
make_root
printf '/bin/sh\n/bin/bash\n' > "$R/etc/shells"
sed -i 's|:/bin/bash$|:/usr/local/bin/fish|' "$R/etc/passwd"
am passwd clear alice >/dev/null 2>&1
check_eq "a shell missing from etc/shells: refused (65)" 65 $?
sed -i 's|:/usr/local/bin/fish$|:/bin/bash|' "$R/etc/passwd"
am passwd clear alice >/dev/null 2>&1
check_eq "a shell listed in etc/shells: cleared (0)" 0 $?

# --- an empty --root is not the live system ---------------------------------
for form in '--root=' '--root ""'; do
	out=$(eval "timeout 10 \"\$ARCHMAIL\" $form users list" 2>"$T/err")
	check_eq "$form: usage error (64)" 64 $?
	check_eq "... nothing on stdout" "" "$out"
	check "... says why" grep -q "root needs a directory" "$T/err"
done

# --- --json after a usage error still answers in JSON -----------------------
one_object() {
	python3 -c 'import json, sys
d = json.JSONDecoder()
s = sys.stdin.read()
o, end = d.raw_decode(s)
sys.exit(0 if isinstance(o, dict) and s[end:].strip() == "" and
    o.get("ok") is False and o["error"]["code"] == "USAGE" else 1)'
}
make_root
for args in "nope --json" "users list --lock-timeout -1 --json" \
    "users list -Q --json" "users add a@archlinux.org alice --date=x --json"; do
	# shellcheck disable=SC2086
	out=$(timeout 10 "$ARCHMAIL" --root "$R" $args 2>/dev/null)
	check_eq "archmail $args: exit 64" 64 $?
	check "... one JSON object with error USAGE" one_object <<<"$out"
done
out=$(timeout 10 "$ARCHMAIL" --version users --json 2>/dev/null)
check "--version ... --json: JSON" python3 -c \
    'import json, sys; sys.exit(0 if "version" in json.loads(sys.argv[1]) else 1)' \
    "$out"

finish
