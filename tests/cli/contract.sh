#!/bin/bash
# archmail's one command-line and result contract (archmail(8), issue 8),
# walked over the commands and subcommands the binary itself reports:
#   1. help for every command and subcommand (-h, --help, help CMD SUB),
#      usage errors (exit 64, one wording, synopsis on stderr, stdout
#      empty), "did you mean" for a near-miss option and subcommand;
#   2. the global options before the command, after it and between
#      command and subcommand give the same result;
#   3. on a realistic sysroot, every modifying subcommand (dkim keygen
#      and convert too): --dry-run and --check write nothing (sha256 of
#      every file under the root),
#      the real run's files[].changed is exactly the set of files whose
#      bytes changed, and the repeated run changes nothing;
#   4. every --json invocation prints exactly one object valid against
#      schema/archmail-result.schema.json (python3-jsonschema, Draft
#      2020-12): success, refusal, usage error, unknown command, help,
#      --version, lock timeout;
#   5. exit statuses 64, 65, 66, 67, 75.
# Postfix's own tools (postmap, postalias, newaliases) keep Postfix's
# usage rules and exit statuses: only their help is checked here.
#
# usage (from the repository root): bash tests/cli/contract.sh ARCHMAIL
. tests/testlib.sh

SCHEMA=$PWD/schema/archmail-result.schema.json
VALIDATE=$PWD/tests/lib/validate_json.py
MANDIR=$PWD/man
if ! python3 -c 'import jsonschema; jsonschema.Draft202012Validator' \
    2>/dev/null; then
	echo "FATAL: python3-jsonschema (Draft 2020-12) is missing" >&2
	exit 1
fi

R=$T/root
POSTFIX_TOOLS=" postmap postalias newaliases "
is_postfix() { [[ $POSTFIX_TOOLS == *" $1 "* ]]; }

# run [-i INPUT] ARGS...: archmail ARGS with INPUT (default nothing) on
# stdin; sets rc, out (stdout), err (stderr).  Every invocation with
# --json is validated here, so none escapes the schema check; the
# validator's KEY=VALUE lines are left in $T/jv for jv and jfiles.
run() {
	local input= a
	if [ "$1" = -i ]; then
		input=$2
		shift 2
	fi
	if [ -n "$input" ]; then
		printf '%s\n' "$input" | "$ARCHMAIL" "$@" >"$T/out" 2>"$T/err"
	else
		"$ARCHMAIL" "$@" >"$T/out" 2>"$T/err" </dev/null
	fi
	rc=$?
	out=$(cat "$T/out")
	err=$(cat "$T/err")
	: >"$T/jv"
	for a in "$@"; do
		[ "$a" = --json ] || continue
		if python3 "$VALIDATE" "$SCHEMA" "$T/out" >"$T/jv" 2>"$T/jverr"
		then
			pass "one schema-valid JSON object: archmail $*"
		else
			fail "one schema-valid JSON object: archmail $*"
			sed 's/^/  /' "$T/jverr" >&2
		fi
		break
	done
	return 0
}
# jv KEY: a top-level member of the last --json result, as compact JSON.
jv() { sed -n "s/^$1=//p" "$T/jv"; }
# jfiles: "CHANGED<TAB>PATH" for each member of files[].
jfiles() { sed -n 's/^file\t//p' "$T/jv"; }

# A usage error: exit 64, the first line of stderr as given, a usage:
# synopsis on stderr, nothing on stdout.
usage_error() {
	local desc=$1 first=$2
	check_eq "$desc: exit 64" 64 "$rc"
	check_eq "$desc: wording" "$first" "$(head -n 1 <<<"$err")"
	check "$desc: synopsis on stderr" grep -q '^usage: archmail' <<<"$err"
	check_eq "$desc: nothing on stdout" "" "$out"
}

# The name of a man page (archmail-users(8)) -> its source exists.
man_exists() {
	local page=${1%(*}
	local sec=${1#*(}
	sec=${sec%)}
	test -f "$MANDIR/$page.$sec"
}

# --- 1. the tables as the binary reports them --------------------------------
run help
check_eq "help: exit 0" 0 "$rc"
commands=$(sed -n '/^commands:$/,$p' <<<"$out" | awk 'NR > 1 && /^  [a-z]/ { print $1 }')
for c in users alias relay passwd postfwd dkim help postmap; do
	check "help lists $c" grep -qx "$c" <<<"$commands"
done
run --help
check_eq "--help is help" "$(run help; echo "$out")" "$out"

# subs CMD: the subcommands "archmail CMD --help" lists (none for a
# command without subcommands).
subs() {
	"$ARCHMAIL" "$1" --help 2>/dev/null |
	    sed -n '/^Subcommands:$/,/^$/p' | awk '/^  [a-z]/ { print $1 }'
}
# near_miss WORD: WORD with its second letter dropped (never a prefix of
# WORD: archmail takes no abbreviations, so a prefix would be a miss too,
# but not the one this checks).
near_miss() { printf '%s%s' "${1:0:1}" "${1:2}"; }

declare -A MODIFYING=()
for c in $commands; do
	run "$c" --help
	grouphelp=$out
	check_eq "$c --help: exit 0" 0 "$rc"
	check "$c --help: usage: line" grep -q "^usage: archmail $c" <<<"$out"
	check_eq "$c --help: stderr empty" "" "$err"
	man=$(sed -n 's/^See \(archmail[a-z.-]*([0-9])\)\.$/\1/p' <<<"$out")
	check "$c --help names a man page that exists (${man:-none})" \
	    man_exists "${man:-none(0)}"
	# Postfix's tools: -h is Postfix's (an unknown option there).
	if ! is_postfix "$c"; then
		run "$c" -h
		check_eq "$c -h is $c --help" "$grouphelp" "$out"
	fi
	run help "$c"
	check_eq "help $c is $c --help" "$grouphelp" "$out"
	run --json "$c" --help
	check_eq "--json $c --help: exit 0" 0 "$rc"
	check_eq "--json $c --help: ok" true "$(jv ok)"

	if ! is_postfix "$c"; then
		run "$c" --no-such-option
		usage_error "$c --no-such-option" \
		    "archmail: $c: unknown option \"--no-such-option\""
		run --json "$c" --no-such-option
		check_eq "--json $c --no-such-option: exit 64" 64 "$rc"
		check_eq "--json $c --no-such-option: USAGE" USAGE \
		    "$(sed -n 's/^error.code=//p' "$T/jv")"
	fi

	sublist=$(subs "$c")
	for s in $sublist; do
		run "$c" "$s" --help
		subhelp=$out
		check_eq "$c $s --help: exit 0" 0 "$rc"
		check_eq "$c $s --help: stderr empty" "" "$err"
		check "$c $s --help: usage: line" \
		    grep -q "^usage: archmail $c $s" <<<"$out"
		check "$c $s --help: global options" \
		    grep -q '^Global options' <<<"$out"
		check_eq "$c $s --help: the group's man page" "See $man." \
		    "$(tail -n 1 <<<"$out")"
		run "$c" "$s" -h
		check_eq "$c $s -h is --help" "$subhelp" "$out"
		run help "$c" "$s"
		check_eq "help $c $s is $c $s --help" "$subhelp" "$out"
		run --json "$c" "$s" --help
		check_eq "--json $c $s --help: exit 0" 0 "$rc"

		# The options of the subcommand itself: the option lines
		# above the global ones, under an Options: header.
		opts=$(sed '/^Global options/,$d' <<<"$subhelp" |
		    grep -o '^  \(-[a-zA-Z0-9], \)\{0,1\}--[a-z][a-z-]*' |
		    sed 's/.*--/--/')
		[ -z "$opts" ] || check "$c $s --help: Options: header" \
		    grep -qx 'Options:' <<<"$subhelp"
		if grep -qx -- --dry-run <<<"$opts"; then
			MODIFYING[$c $s]=1
			check "$c $s: --check next to --dry-run" \
			    grep -qx -- --check <<<"$opts"
		fi

		run "$c" "$s" --no-such-option
		usage_error "$c $s --no-such-option" \
		    "archmail: $c $s: unknown option \"--no-such-option\""
		run "$c" "$s" --json --no-such-option
		check_eq "$c $s --json --no-such-option: exit 64" 64 "$rc"
		check_eq "$c $s --json --no-such-option: USAGE" USAGE \
		    "$(sed -n 's/^error.code=//p' "$T/jv")"
		check_eq "$c $s --json --no-such-option: command" "\"$c\"" \
		    "$(jv command)"
		check_eq "$c $s --json --no-such-option: action" "\"$s\"" \
		    "$(jv action)"

		first=$(head -n 1 <<<"$opts")
		[ -n "$first" ] || first=--json
		miss=--$(near_miss "${first#--}")
		run "$c" "$s" "$miss"
		usage_error "$c $s $miss" \
		    "archmail: $c $s: unknown option \"$miss\"; did you mean \"$first\"?"

		if [ -z "${MODIFYING[$c $s]:-}" ]; then
			for o in --dry-run --check; do
				run "$c" "$s" "$o"
				check_eq "$c $s $o (changes nothing): exit 64" \
				    64 "$rc"
				check_eq "$c $s $o: nothing on stdout" "" "$out"
			done
		fi
	done
	for s in $sublist; do
		miss=$(near_miss "$s")
		run "$c" "$miss"
		usage_error "$c $miss" \
		    "archmail: $c: unknown subcommand \"$miss\"; did you mean \"$s\"?"
		break
	done
done

# The subcommands that change files must say so (--dry-run | --check).
for cs in "users add" "users remove" "users forward" "alias add" \
    "alias remove" "alias servicedesk" "relay add" "relay rotate" \
    "relay remove" "passwd clear" "passwd set" "postfwd sync" \
    "users onboard" "users offboard" "dkim keygen" "dkim convert"; do
	check "$cs is reported as modifying (--dry-run, --check)" \
	    test -n "${MODIFYING[$cs]:-}"
done

run bogus
usage_error "unknown command" 'archmail: unknown command "bogus"'
run --json bogus
check_eq "--json bogus: exit 64" 64 "$rc"
check_eq "--json bogus: command archmail" '"archmail"' "$(jv command)"
check_eq "--json bogus: USAGE" USAGE "$(sed -n 's/^error.code=//p' "$T/jv")"
run --json help
check_eq "--json help: exit 0" 0 "$rc"
run --json --version
check_eq "--json --version: exit 0" 0 "$rc"
check "--json --version: a version" test -n "$(jv version)"
run --json users add --help
check_eq "--json users add --help: exit 0" 0 "$rc"
run --json
check_eq "--json without a command: exit 64" 64 "$rc"

# --- the sysroot ----------------------------------------------------------
make_root() {
	rm -rf "$R"
	mkdir -p "$R/etc/postfix" "$R/etc/postfwd" "$R/etc/pam.d" \
	    "$R/usr/bin" "$R/bin" "$R/root" "$R/home"
	for s in usr/bin/nologin bin/bash; do
		printf '#!/bin/sh\n' >"$R/$s"
		chmod 755 "$R/$s"
	done
	cat >"$R/etc/passwd" <<-'EOF'
	root:x:0:0:root:/root:/bin/bash
	alice:x:1000:1000:Alice:/home/alice:/bin/bash
	bob:x:1001:1001:Bob:/home/bob:/bin/bash
	aur:x:1002:65534:SMTP Relay Account for aur.archlinux.org:/home/aur.archlinux.org:/usr/bin/nologin
	nobody:x:65534:65534:nobody:/:/usr/bin/nologin
	EOF
	cat >"$R/etc/shadow" <<-'EOF'
	root:*:19000:0:99999:7:::
	alice:$y$j9T$abcdefghijklmnopqrstu.$ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdef:19000:0:99999:7:::
	bob:$y$j9T$abcdefghijklmnopqrstu.$ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdef:19000:0:99999:7:::
	aur:$y$j9T$abcdefghijklmnopqrstu.$ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdef:19000::::::
	nobody:*:19000:0:99999:7:::
	EOF
	printf 'root:x:0:\nalice:x:1000:\nbob:x:1001:\nnobody:x:65534:\n' \
	    >"$R/etc/group"
	printf 'root:*::\nalice:!::\nbob:!::\nnobody:!::\n' >"$R/etc/gshadow"
	chmod 640 "$R/etc/shadow" "$R/etc/gshadow"
	printf 'UID_MIN 1000\nUID_MAX 60000\nUSERGROUPS_ENAB yes\n' \
	    >"$R/etc/login.defs"
	# An empty skeleton: users onboard makes a home, no files in it.
	mkdir -p "$R/etc/skel"
	# A stack without nullok: an empty password lets nobody in.
	printf 'auth required pam_unix.so\naccount required pam_unix.so\n' \
	    >"$R/etc/pam.d/dovecot"
	printf 'auth required pam_unix.so\naccount required pam_unix.so\n' \
	    >"$R/etc/pam.d/smtp"
	mkdir -p "$R/home/alice" "$R/home/bob" "$R/home/aur.archlinux.org"
	chown 1000:1000 "$R/home/alice"
	chown 1001:1001 "$R/home/bob"
	chown 1002:65534 "$R/home/aur.archlinux.org"
	chmod 700 "$R/home/aur.archlinux.org"
	cp "$PFCONF/main.cf" "$R/etc/postfix/main.cf"
	cat >"$R/etc/postfix/users" <<-'EOF'
	# /etc/postfix/users: virtual user map, edited with archmail users

	# Developers
	alice@archlinux.org	alice
	bob@archlinux.org	bob

	# Ex-staff forwards
	mallory@archlinux.org	mallory@example.com
	EOF
	cat >"$R/etc/postfix/aliases" <<-'EOF'
	# See man 5 aliases for format
	postmaster:	root
	abuse: postmaster
	root: root@archlinux.org
	EOF
	printf '@aur.archlinux.org aur\n' >"$R/etc/postfix/smtp_sender_map"
	postmap -c "$PFCONF" "lmdb:$R/etc/postfix/users"
	postalias -c "$PFCONF" "lmdb:$R/etc/postfix/aliases"
	postmap -c "$PFCONF" "lmdb:$R/etc/postfix/smtp_sender_map"
	# The block lists devnull, which is no relay account, and lacks
	# aur, which is: postfwd sync has something to do.
	cat >"$R/etc/postfwd/postfwd.cf" <<'EOF'
# archmail: begin relay hosts
&&SASL_WHITELIST {
	sasl_username==devnull;
};
# archmail: end relay hosts
id=SaslWhitelist; protocol_state==END-OF-MESSAGE; &&SASL_WHITELIST;
	action=rcpt(sasl_username/360/3600/REJECT host limit)
id=RcptRate; protocol_state==END-OF-MESSAGE; sasl_username!~/^$/;
	action=rcpt(sasl_username/100/21600/REJECT user limit)
EOF
	chmod 600 "$R/etc/postfwd/postfwd.cf"
	printf 'domain = archlinux.org\n' >"$R/etc/archmail.conf"
}

# manifest: "sha256 path" of every regular file under the root, "link
# path -> target" and "dir path mode owner" for the rest: the state a
# dry run must leave alone.  Paths are absolute, as archmail reports them.
manifest() {
	find "$R" -type f -print0 | sort -z | xargs -0 sha256sum |
	    awk '{ print "file", $2, $1 }'
	find "$R" ! -type f -printf '%y %p %m %U:%G %l\n' | sort
}

# same_tree DESC MANIFEST: the root is still as MANIFEST says; else the
# difference.
same_tree() {
	local now
	now=$(manifest)
	if [ "$2" = "$now" ]; then
		pass "$1"
	else
		fail "$1"
		diff <(echo "$2") <(echo "$now") | grep '^[<>]' |
		    sed "s|$R||; s/^/  /" >&2
	fi
}

# --- 2. global options before, after and between ------------------------
make_root
keyfile=$T/dkim.key
"$ARCHMAIL" dkim keygen -t ed25519 -d archlinux.org -k "$keyfile" \
    >/dev/null 2>&1 || fail "dkim keygen for the global option checks"
printf 'domain = archlinux.org\n' >"$T/other.conf"

# rep CMD: a read-only invocation of CMD (group [sub] args) that succeeds.
rep() {
	case $1 in
	users) echo "users list" ;;
	alias) echo "alias list" ;;
	relay) echo "relay list" ;;
	passwd) echo "passwd status alice" ;;
	postfwd) echo "postfwd sync --dry-run" ;;
	dkim) echo "dkim record -k $keyfile -d archlinux.org -s s1" ;;
	help) echo "help users" ;;
	completion) echo "completion bash" ;;
	*) echo "$1 --help" ;;
	esac
}
for c in $commands; do
	is_postfix "$c" && continue
	read -r -a a <<<"$(rep "$c")"
	grp=${a[0]}
	rest=("${a[@]:1}")
	run --root "$R" --json "${a[@]}"
	base=$out
	check_eq "--root R --json ${a[*]}: exit 0" 0 "$rc"
	run "${a[@]}" --root "$R" --json
	check_eq "${a[*]} --root R --json: same stdout" "$base" "$out"
	run "$grp" --json --root "$R" "${rest[@]}"
	check_eq "$grp --json --root R ${rest[*]}: same stdout" "$base" "$out"
	run --root "$R" "${a[@]}"
	plain=$out
	check_eq "--root R ${a[*]}: exit 0" 0 "$rc"
	for g in "-q" "-v" "--lock-timeout 3" "--config $T/other.conf"; do
		read -r -a ga <<<"$g"
		run --root "$R" "${ga[@]}" "${a[@]}"
		before=$out brc=$rc
		run "${a[@]}" --root "$R" "${ga[@]}"
		check_eq "${a[*]} $g after the command: exit $brc" "$brc" "$rc"
		check_eq "${a[*]} $g after the command: same stdout" \
		    "$before" "$out"
		run "$grp" "${ga[@]}" --root "$R" "${rest[@]}"
		check_eq "$grp $g ${rest[*]}: same stdout" "$before" "$out"
	done
	run --root "$R" -q "${a[@]}"
	[ "$c" = help ] || [ "$c" = completion ] ||
	    check_eq "-q ${a[*]}: quieter than without" 1 \
	    "$([ ${#out} -le ${#plain} ] && echo 1)"
done

# -q silences the result lines, the diff of --dry-run among them,
# wherever it is.
run --root "$R" users add eve@archlinux.org alice --category developers --dry-run
check_eq "users add --dry-run: exit 0" 0 "$rc"
check "users add --dry-run: a diff on stdout" test -n "$out"
run --root "$R" -q users add eve@archlinux.org alice --category developers --dry-run
check_eq "-q users add --dry-run: stdout empty" "" "$out"
run --root "$R" users add eve@archlinux.org alice --category developers --dry-run -q
check_eq "users add --dry-run -q: stdout empty" "" "$out"
run --root "$R" users -q add eve@archlinux.org alice --category developers --dry-run
check_eq "users -q add --dry-run: stdout empty" "" "$out"

# --- 3. every modifying subcommand ------------------------------------------
# modify DESC INPUT ARGS...: --dry-run, --check, the real run and the
# repeated run of "archmail --root R ARGS" (INPUT on stdin each time).
modify() {
	local desc=$1 input=$2 m0 m1 p ch before after listed
	shift 2
	m0=$(manifest)

	run -i "$input" --root "$R" --json "$@" --dry-run
	check_eq "$desc --dry-run --json: exit 0" 0 "$rc"
	check_eq "$desc --dry-run --json: ok" true "$(jv ok)"
	check_eq "$desc --dry-run --json: changed false" false "$(jv changed)"
	check_eq "$desc --dry-run --json: would_change true" true \
	    "$(jv would_change)"
	check "$desc --dry-run --json: diff is a string" \
	    grep -q '^diff="' "$T/jv"
	check "$desc --dry-run --json: every files[].changed false" \
	    test -z "$(jfiles | grep -v '^false')"
	same_tree "$desc --dry-run: nothing under the root changed" "$m0"

	run -i "$input" --root "$R" "$@" --dry-run
	check_eq "$desc --dry-run: exit 0" 0 "$rc"
	check "$desc --dry-run: shows something" test -n "$out"
	same_tree "$desc --dry-run (text): nothing changed" "$m0"

	run -i "$input" --root "$R" "$@" --check
	check_eq "$desc --check (pending): exit 1" 1 "$rc"
	run -i "$input" --root "$R" --json "$@" --check
	check_eq "$desc --check --json (pending): exit 1" 1 "$rc"
	check_eq "$desc --check --json: ok" true "$(jv ok)"
	check_eq "$desc --check --json: would_change" true "$(jv would_change)"
	same_tree "$desc --check: nothing changed" "$m0"

	run -i "$input" --root "$R" --json "$@"
	check_eq "$desc --json: exit 0" 0 "$rc"
	check_eq "$desc --json: ok" true "$(jv ok)"
	check_eq "$desc --json: changed" true "$(jv changed)"
	check "$desc --json: no would_change without --dry-run" \
	    test -z "$(jv would_change)"
	m1=$(manifest)
	# Each listed file: changed exactly when its bytes changed.
	listed=$(jfiles)
	while IFS=$'\t' read -r ch p; do
		[ -n "$p" ] || continue
		before=$(awk -v p="$p" '$1 == "file" && $2 == p { print $3 }' <<<"$m0")
		after=$(awk -v p="$p" '$1 == "file" && $2 == p { print $3 }' <<<"$m1")
		if [ "$before" = "$after" ]; then
			check_eq "$desc: files[] $p changed" false "$ch"
		else
			check_eq "$desc: files[] $p changed" true "$ch"
		fi
	done <<<"$listed"
	# Each file whose bytes changed (or that appeared or went): listed.
	# An empty lock file (users.lock, .pwd.lock) is no content: a lock
	# file archmail creates once and leaves need not be reported.
	while read -r p; do
		[ -n "$p" ] || continue
		case $p in
		*.lock) [ -s "$p" ] || continue ;;
		esac
		check "$desc: changed file ${p#"$R"} is in files[]" \
		    grep -q "^true	$p\$" <<<"$listed"
	done < <(diff <(grep '^file ' <<<"$m0") <(grep '^file ' <<<"$m1") |
	    awk '/^[<>] file / { print $3 }' | sort -u)

	# relay rotate always sets a new salt (archmail-relay(8)), dkim
	# keygen -f always makes a new key: a second run changes the file
	# again, by design.  Its second run must still give one
	# schema-valid object and exit 0.
	if [ "$desc" = "relay rotate" ] || [ "$desc" = "dkim keygen" ]; then
		run -i "$input" --root "$R" --json "$@"
		check_eq "$desc again: exit 0" 0 "$rc"
		check_eq "$desc again: a new hash or key, changed true" true \
		    "$(jv changed)"
		return
	fi
	run -i "$input" --root "$R" --json "$@"
	check_eq "$desc again: exit 0" 0 "$rc"
	check_eq "$desc again: changed false" false "$(jv changed)"
	check "$desc again: every files[].changed false" \
	    test -z "$(jfiles | grep -v '^false')"
	same_tree "$desc again: nothing under the root changed" "$m1"
	run -i "$input" --root "$R" "$@" --check
	check_eq "$desc --check after: exit 0" 0 "$rc"
	run -i "$input" --root "$R" --json "$@" --dry-run
	check_eq "$desc --dry-run after: would_change false" false \
	    "$(jv would_change)"
}

make_root
modify "users add" "" users add dave@archlinux.org dave --category developers
modify "users forward" "" users forward alice alice@example.net
modify "users remove" "" users remove dave@archlinux.org
modify "alias add" "" alias add support alice,bob
modify "alias servicedesk" "" alias servicedesk desk --group arch \
    --project infra --project-id 42
modify "alias remove" "" alias remove support
modify "postfwd sync" "" postfwd sync
modify "relay add" "relay pw one" relay add new.archlinux.org --password-stdin
modify "relay rotate" "relay pw two" relay rotate new.archlinux.org \
    --password-stdin
modify "relay remove" "" relay remove new.archlinux.org
modify "passwd set" "alice pw" passwd set alice --password-stdin
modify "passwd clear" "" passwd clear bob
modify "users onboard" "" users onboard carol --name "Carol Example" \
    --category developers
modify "users offboard" "" users offboard carol \
    --forward carol@example.net --note left
# The key files are named on the command line, not found under --root:
# they are put under the root so that the manifest sees them.
mkdir -p "$R/etc/rspamd/dkim"
modify "dkim keygen" "" dkim keygen -t ed25519 -s s1 -d archlinux.org \
    -k "$R/etc/rspamd/dkim/s1.key" -f
modify "dkim convert" "" dkim convert -k "$R/etc/rspamd/dkim/s1.key" \
    --key-format der -O "$R/etc/rspamd/dkim/s1.der"

# --- 4, 5. refusals and exit statuses --------------------------------------
m0=$(manifest)
run --root "$R" --json users add 'not an address' alice
check_eq "invalid address: exit 65" 65 "$rc"
check_eq "invalid address: ok false" false "$(jv ok)"
check "invalid address: an error code" \
    grep -q '^error.code=[A-Z]' "$T/jv"
run --root "$R" users add 'not an address' alice
check_eq "invalid address (text): exit 65" 65 "$rc"
check_eq "invalid address (text): nothing on stdout" "" "$out"
run --root "$R" --json passwd status nosuchuser
check_eq "passwd status of an unknown user: exit 67" 67 "$rc"
check_eq "... NOUSER" NOUSER "$(sed -n 's/^error.code=//p' "$T/jv")"
run --root "$R" --json dkim record -k "$T/no-such-key" -d archlinux.org
check_eq "dkim record of a missing key: exit 66" 66 "$rc"
check_eq "... NOINPUT" NOINPUT "$(sed -n 's/^error.code=//p' "$T/jv")"
run --root "$R" --json users add dave@archlinux.org
check_eq "missing argument: exit 64" 64 "$rc"
check_eq "... USAGE" USAGE "$(sed -n 's/^error.code=//p' "$T/jv")"
run --root "$R" --json users list --lock-timeout
check_eq "global option without its value: exit 64" 64 "$rc"
same_tree "refusals changed nothing" "$m0"

# A lock held by this shell (flock on its own descriptor): archmail
# waits --lock-timeout seconds, then exits 75.
exec 9>>"$R/etc/postfix/users.lock"
flock 9
run --root "$R" --json --lock-timeout 1 users add eve@archlinux.org eve
check_eq "lock held: exit 75" 75 "$rc"
check_eq "lock held: LOCK_BUSY" LOCK_BUSY \
    "$(sed -n 's/^error.code=//p' "$T/jv")"
exec 9>&-
same_tree "lock timeout changed nothing" "$m0"

# The result cannot be written (a full device): exit 74 with --json,
# whether the command succeeded or failed; text mode keeps a failure's
# own status.
"$ARCHMAIL" --root "$R" --json users list >/dev/full 2>"$T/err"
check_eq "--json to a full device: exit 74" 74 "$?"
"$ARCHMAIL" --root "$R/nonexistent" --json users list >/dev/full \
    2>"$T/err"
check_eq "--json failure to a full device: exit 74" 74 "$?"
"$ARCHMAIL" --root "$R/nonexistent" users list >/dev/full 2>"$T/err"
check_eq "text failure to a full device keeps its status" 66 "$?"

finish
