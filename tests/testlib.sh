# Shared by the shell tests: sourced as ". tests/testlib.sh" from the
# repository root (ctest runs them there) with the archmail binary as $1.
#
#   ARCHMAIL   the binary under test (absolute path)
#   T          a fresh temporary directory, removed on exit
#   PFCONF     a private Postfix config directory in $T (never /etc/postfix)
#   check DESC CMD...      run CMD; fail the test if it exits non-zero
#   check_fails DESC CMD... run CMD; fail the test if it exits zero
#   check_eq DESC EXPECTED ACTUAL
#   dump FILE.lmdb         the records of a table, via a copy (mdb_dump
#                          leaves a lock file) and without the header
#   require_tool TOOL      true when TOOL is installed; otherwise the
#                          test fails (an oracle is never skipped)
#   as_nobody CMD ARGS...  run CMD as uid/gid 65534; CMD "archmail" means
#                          a copy of the binary under test that 65534 can
#                          reach (see unpriv_init)
#   finish                 exit 1 if any check failed
set -u
ARCHMAIL=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
T=$(mktemp -d /tmp/archmail-test.XXXXXX)
UNPRIV=
trap 'rm -rf "$T" ${UNPRIV:+"$UNPRIV"}' EXIT
FAILED=0
PFCONF=$T/postfix-conf
mkdir -p "$PFCONF"
cat > "$PFCONF/main.cf" <<'CF'
compatibility_level = 3.6
myhostname = test.example.org
smtputf8_enable = yes
default_database_type = lmdb
CF

fail() {
	echo "FAIL: $*" >&2
	FAILED=$((FAILED + 1))
}

pass() {
	echo "ok: $*"
}

check() {
	local desc=$1
	shift
	if "$@"; then pass "$desc"; else fail "$desc (command: $*)"; fi
}

check_fails() {
	local desc=$1
	shift
	if "$@"; then fail "$desc (succeeded: $*)"; else pass "$desc"; fi
}

check_eq() {
	if [ "$2" = "$3" ]; then
		pass "$1"
	else
		fail "$1"
		printf '  expected: %s\n  actual:   %s\n' "$2" "$3" >&2
	fi
}

dump() {
	local copy
	copy=$(mktemp "$T/dump.XXXXXX")
	cp "$1" "$copy"
	mdb_dump -n -p "$copy" | sed '1,/^HEADER=END$/d'
	rm -f "$copy" "$copy-lock"
}

# The checkout (and so the binary) may sit under a directory other users
# cannot enter (a CI clone in a 0700 mktemp -d): a test that runs archmail
# as another user runs a copy, with the library it loads through RUNPATH
# $ORIGIN, from a 0755 directory of its own.  The copy is tried once up
# front, so that a failure names its cause instead of showing up later as
# a wrong exit status (setpriv's 126/127).
unpriv_init() {
	local bindir lib
	[ -n "$UNPRIV" ] && return 0
	command -v setpriv >/dev/null ||
		{ echo "FATAL: setpriv (util-linux) is missing" >&2; exit 1; }
	UNPRIV=$(mktemp -d /tmp/archmail-unpriv.XXXXXX)
	chmod 755 "$UNPRIV"
	bindir=$(dirname "$ARCHMAIL")
	cp "$ARCHMAIL" "$UNPRIV/archmail"
	for lib in "$bindir"/libarchmail.so*; do
		[ -e "$lib" ] && cp -P "$lib" "$UNPRIV/"
	done
	chmod -R a+rX "$UNPRIV"
	if ! out=$(cd / && setpriv --reuid=65534 --regid=65534 --clear-groups \
	    "$UNPRIV/archmail" --version 2>&1); then
		echo "FATAL: archmail cannot run as uid 65534 from $UNPRIV:" \
		    "$out (is /tmp mounted noexec?)" >&2
		exit 1
	fi
}

as_nobody() {
	local cmd=$1
	shift
	unpriv_init
	[ "$cmd" = archmail ] && cmd=$UNPRIV/archmail
	setpriv --reuid=65534 --regid=65534 --clear-groups "$cmd" "$@"
}

require_tool() {
	command -v "$1" >/dev/null && return 0
	fail "$1 is not installed: the checks that need it cannot run" \
	    "(tests/install-deps.sh installs it)"
	return 1
}

finish() {
	if [ "$FAILED" -ne 0 ]; then
		echo "$FAILED check(s) failed" >&2
		exit 1
	fi
	echo "all checks passed"
	exit 0
}
