#!/bin/bash
# Walk archmail's command table (the "commands:" list of "archmail help", so
# a new command is covered without editing this file) and check, for every
# command:
#   - "archmail CMD --help" prints "usage: ..." on stdout and exits 0, and
#     "archmail help CMD" prints the same;
#   - an unknown option exits with the usage-error status (64, or 1 for the
#     Postfix-compatible commands) with the usage on stderr, nothing on
#     stdout;
#   - the usage text and the SYNOPSIS of the command's man page agree: every
#     usage line is a SYNOPSIS entry, and every SYNOPSIS entry for the
#     command is a usage line (the SYNOPSIS as "mandoc -T ascii" renders
#     it; whitespace normalised).  The page is man/archmail-CMD.8 (postmap,
#     postalias and newaliases share man/archmail-postmap.8; help and the
#     global usage are in man/archmail.8).  A missing page is a failure.
# Then "archmail --version", global usage errors, and the postmap, postalias
# and newaliases links next to the binary (dispatch on argv[0]).
#
# usage: bash tests/cli/commands.sh path/to/archmail   (from the repo root)
. tests/testlib.sh

MANDIR=man
BINDIR=$(dirname "$ARCHMAIL")
POSTFIX_COMMANDS=" postmap postalias newaliases "
# A root without archmail.conf: the host's /etc/archmail.conf plays no part.
ROOT=$T/root
mkdir -p "$ROOT"
unset MAIL_CONFIG

# No command may wait for input or hang here.
am() {
	timeout 60 "$ARCHMAIL" --root "$ROOT" "$@" < /dev/null
}

run_link() {
	timeout 60 "$@" < /dev/null
}

# Collapse runs of blanks, trim each line, drop empty lines.  Blanks
# around '|' are dropped too: mdoc sets "a | b" where a usage line may say
# "a|b", and the difference is only whitespace.
normalize() {
	sed -e 's/[[:space:]][[:space:]]*/ /g' -e 's/^ //' -e 's/ $//' \
	    -e 's/ *| */|/g' | sed '/^$/d'
}

# The usage lines of a "usage: ..." text on stdin: the first line without
# "usage: ", then every indented line up to the first blank line.
usage_lines() {
	awk 'NR == 1 { if (sub(/^usage: /, "")) { print; next } exit }
	    /^[ \t]+[^ \t]/ { print; next }
	    { exit }' | normalize
}

# The SYNOPSIS entries of a man page, one per line.  mandoc indents the
# section body by 5 columns and wrapped continuation lines further.
synopsis_entries() {
	mandoc -T ascii -O width=1000 "$1" | sed $'s/.\b//g' |
	    awk '/^SYNOPSIS$/ { on = 1; next }
		on && /^[^ \t]/ { exit }
		on && /^     [^ \t]/ { if (e != "") print e; e = $0; next }
		on && NF { e = e " " $0 }
		END { if (e != "") print e }' | normalize
}

man_page_for() {
	case $1 in
	postmap|postalias|newaliases) echo "$MANDIR/archmail-postmap.8" ;;
	help|completion) echo "$MANDIR/archmail.8" ;;
	*) echo "$MANDIR/archmail-$1.8" ;;
	esac
}

# compare_synopsis NAME PAGE USAGE_FILE PREFIX_REGEX: every line of
# USAGE_FILE is an entry of PAGE's SYNOPSIS, and every entry matching
# PREFIX_REGEX is a line of USAGE_FILE.
compare_synopsis() {
	local name=$1 page=$2 usage=$3 prefix=$4 entries=$T/entries ok=1 line
	synopsis_entries "$page" > "$entries"
	if [ ! -s "$entries" ]; then
		fail "$name: no SYNOPSIS in $page"
		return
	fi
	while IFS= read -r line; do
		if ! grep -Fxq -e "$line" "$entries"; then
			fail "$name: usage line not in the SYNOPSIS of $page"
			printf '  usage:    %s\n' "$line" >&2
			ok=0
		fi
	done < "$usage"
	while IFS= read -r line; do
		if ! grep -Fxq -e "$line" "$usage"; then
			fail "$name: SYNOPSIS entry of $page not in the usage"
			printf '  SYNOPSIS: %s\n' "$line" >&2
			ok=0
		fi
	done < <(grep -E "$prefix" "$entries")
	if [ "$ok" = 1 ]; then
		pass "$name: usage matches the SYNOPSIS of $page"
	else
		echo "  usage text was:" >&2
		sed 's/^/    /' "$usage" >&2
		echo "  SYNOPSIS entries of $page:" >&2
		sed 's/^/    /' "$entries" >&2
	fi
}

have_mandoc=1
if ! command -v mandoc > /dev/null 2>&1; then
	fail "mandoc is not installed: no SYNOPSIS can be checked"
	have_mandoc=0
fi

# The command table, as "archmail help" lists it.
am help > "$T/help.out" 2> "$T/help.err"
check_eq "archmail help exits 0" 0 "$?"
commands=$(awk '/^commands:$/ { on = 1; next } on && NF { print $1 }' \
    "$T/help.out")
if [ -z "$commands" ]; then
	fail "archmail help lists no commands"
fi
for c in $commands; do
	[ "$(grep -cx "$c" <<< "$commands")" = 1 ] ||
	    fail "command $c listed more than once"
done
for c in postmap postalias newaliases help; do
	grep -qx "$c" <<< "$commands" || fail "archmail help does not list $c"
done

for cmd in $commands; do
	# --help: usage on stdout, exit 0.
	am "$cmd" --help > "$T/out" 2> "$T/err"
	rc=$?
	check_eq "$cmd --help exits 0" 0 "$rc"
	if grep -q '^usage: ' "$T/out"; then
		pass "$cmd --help prints a usage line on stdout"
	else
		fail "$cmd --help prints no line starting with \"usage: \" on stdout"
		sed 's/^/  stdout: /' "$T/out" >&2
		sed 's/^/  stderr: /' "$T/err" >&2
	fi
	usage_lines < "$T/out" > "$T/usage.$cmd"
	if ! grep -q "^archmail $cmd\( \|$\)" "$T/usage.$cmd"; then
		fail "$cmd: usage does not start with \"archmail $cmd\""
	fi

	am help "$cmd" > "$T/out2" 2>&1
	if cmp -s "$T/out" "$T/out2"; then
		pass "archmail help $cmd prints what $cmd --help prints"
	else
		fail "archmail help $cmd differs from archmail $cmd --help"
	fi

	# An unknown option: usage error, usage on stderr, nothing on stdout.
	case $POSTFIX_COMMANDS in
	*" $cmd "*) want=1 ;;
	*) want=64 ;;
	esac
	am "$cmd" --no-such-option > "$T/out" 2> "$T/err"
	rc=$?
	check_eq "$cmd --no-such-option exits $want" "$want" "$rc"
	if grep -q 'usage: ' "$T/err"; then
		pass "$cmd --no-such-option prints the usage on stderr"
	else
		fail "$cmd --no-such-option prints no usage on stderr"
		sed 's/^/  stderr: /' "$T/err" >&2
	fi
	if [ -s "$T/out" ]; then
		fail "$cmd --no-such-option writes to stdout"
	fi

	# The man page and its SYNOPSIS.
	page=$(man_page_for "$cmd")
	if [ ! -f "$page" ]; then
		fail "$cmd: no man page: $page does not exist"
	elif [ "$have_mandoc" = 1 ]; then
		compare_synopsis "$cmd" "$page" "$T/usage.$cmd" \
		    "^archmail $cmd( |\$)"
	fi
done

# Every archmail-NAME.8 documents a command that exists.
for page in "$MANDIR"/archmail-*.8; do
	[ -e "$page" ] || continue
	name=${page##*/archmail-}
	name=${name%.8}
	grep -qx "$name" <<< "$commands" ||
	    fail "$page documents \"$name\", which is not a command"
done

# The global usage ("archmail --help" up to the command list) and the
# SYNOPSIS of archmail.8.
am --help > "$T/out" 2> "$T/err"
check_eq "archmail --help exits 0" 0 "$?"
if cmp -s "$T/out" "$T/help.out"; then
	pass "archmail --help prints what archmail help prints"
else
	fail "archmail --help differs from archmail help"
fi
usage_lines < "$T/out" > "$T/usage.global"
grep -q '^archmail \[' "$T/usage.global" ||
    fail "the global usage has no \"archmail [options] COMMAND\" line"
if [ ! -f "$MANDIR/archmail.8" ]; then
	fail "no man page: $MANDIR/archmail.8 does not exist"
elif [ "$have_mandoc" = 1 ]; then
	sort -u "$T/usage.global" "$T/usage.help" > "$T/usage.archmail"
	compare_synopsis "global usage" "$MANDIR/archmail.8" \
	    "$T/usage.archmail" '^archmail'
fi

# Global usage errors.
am > "$T/out" 2> "$T/err"
check_eq "archmail without a command exits 64" 64 "$?"
grep -q '^usage: ' "$T/err" ||
    fail "archmail without a command prints no usage on stderr"
am no-such-command > "$T/out" 2> "$T/err"
check_eq "archmail no-such-command exits 64" 64 "$?"
grep -q 'no-such-command' "$T/err" ||
    fail "archmail no-such-command does not name the command"
am --no-such-option help > "$T/out" 2> "$T/err"
check_eq "archmail --no-such-option exits 64" 64 "$?"
grep -q '^usage: ' "$T/err" ||
    fail "archmail --no-such-option prints no usage on stderr"

# --version
version=$(am --version 2> "$T/err")
check_eq "archmail --version exits 0" 0 "$?"
if [[ $version =~ ^archmail\ [0-9]+\.[0-9]+(\.[0-9]+)?[^[:space:]]*$ ]]; then
	pass "archmail --version prints \"$version\""
else
	fail "archmail --version prints \"$version\", not \"archmail X.Y.Z\""
fi

# The Postfix names next to the binary dispatch on argv[0]: same usage,
# messages under their own name, Postfix's exit status, and they work.
mkdir -p "$T/pf" "$T/data"
cat > "$T/pf/main.cf" <<CF
myhostname = test.example.org
default_database_type = lmdb
alias_database = lmdb:$T/data/aliases
CF
printf 'Alice@Example.ORG alice-v\n' > "$T/data/virtual"
printf 'Postmaster: root\n' > "$T/data/aliases"
for name in postmap postalias newaliases; do
	link=$BINDIR/$name
	if [ ! -e "$link" ]; then
		fail "$link does not exist"
		continue
	fi
	run_link "$link" --help > "$T/out" 2> "$T/err"
	check_eq "$name --help exits 0" 0 "$?"
	am "$name" --help > "$T/out2" 2>&1
	if cmp -s "$T/out" "$T/out2"; then
		pass "$link --help prints the usage of archmail $name"
	else
		fail "$link --help differs from archmail $name --help"
		sed 's/^/  stdout: /' "$T/out" >&2
	fi
	run_link "$link" --no-such-option > "$T/out" 2> "$T/err"
	check_eq "$name --no-such-option exits 1" 1 "$?"
	if head -n 1 "$T/err" | grep -q "^$name: "; then
		pass "$name reports errors under its own name"
	else
		fail "$name does not report errors as \"$name: ...\""
		sed 's/^/  stderr: /' "$T/err" >&2
	fi
done
if [ -e "$BINDIR/postmap" ] && [ -e "$BINDIR/postalias" ] &&
    [ -e "$BINDIR/newaliases" ]; then
	run_link "$BINDIR/postmap" -c "$T/pf" "lmdb:$T/data/virtual"
	check_eq "postmap link builds a table" 0 "$?"
	check_eq "postmap link queries it" alice-v \
	    "$(run_link "$BINDIR/postmap" -c "$T/pf" -q alice@example.org \
	    "lmdb:$T/data/virtual")"
	run_link "$BINDIR/newaliases" -c "$T/pf"
	check_eq "newaliases link builds alias_database" 0 "$?"
	check_eq "postalias link queries it" root \
	    "$(run_link "$BINDIR/postalias" -c "$T/pf" -q postmaster \
	    "lmdb:$T/data/aliases")"
fi

# Only those three names select a command.
mkdir -p "$T/bin"
ln -s "$ARCHMAIL" "$T/bin/users"
run_link "$T/bin/users" --root "$ROOT" --help > "$T/out" 2>&1
if head -n 1 "$T/out" | grep -q '^usage: archmail \['; then
	pass "another link name runs archmail itself"
else
	fail "a link named \"users\" does not run archmail itself"
fi


# Bash completion, generated from the same tables.
am completion bash > "$T/completion.bash"
check_eq "completion bash exits 0" 0 "$?"
check "completion script is valid bash" bash -n "$T/completion.bash"
complete_words() {
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1));
	    _archmail; echo "${COMPREPLY[*]}"' sh "$T/completion.bash" "$@"
}
check_eq "completion: subcommands of users" "add" \
    "$(complete_words archmail users ad)"
check_eq "completion: options of users add" "--category" \
    "$(complete_words archmail users add x --cat)"
check_eq "completion: an option value is not taken for the subcommand" \
    "--delete" "$(complete_words archmail --root /r relay remove --del)"

finish
