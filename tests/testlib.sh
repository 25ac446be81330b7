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
#   finish                 exit 1 if any check failed
set -u
ARCHMAIL=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
T=$(mktemp -d /tmp/archmail-test.XXXXXX)
trap 'rm -rf "$T"' EXIT
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

finish() {
	if [ "$FAILED" -ne 0 ]; then
		echo "$FAILED check(s) failed" >&2
		exit 1
	fi
	echo "all checks passed"
	exit 0
}
