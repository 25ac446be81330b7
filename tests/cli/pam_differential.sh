#!/bin/bash
# archmail's "passwd clear" PAM guard against real libpam: at least 1,000
# generated PAM configurations (fixed seed) plus fixed cases, each judged
# by archmail and by tests/pam/pam_verdict (linked with libpam) on the
# same files, in one private mount namespace with scratch passwd/shadow
# (the machine's /etc is never touched).  See tests/pam/differential.py.
#
# usage (from the repository root): bash tests/cli/pam_differential.sh ARCHMAIL
. tests/testlib.sh

HELPER=$(dirname "$ARCHMAIL")/tests/pam_verdict
COUNT=${PAM_DIFF_COUNT:-1200}
SEED=${PAM_DIFF_SEED:-20261127}

check "pam_verdict helper built" test -x "$HELPER"
check "unshare available" command -v unshare
check "running as root (mount namespace)" test "$(id -u)" = 0
if [ "$FAILED" -eq 0 ]; then
	unshare -m python3 tests/pam/differential.py "$ARCHMAIL" "$HELPER" \
	    "$T/diff" "$COUNT" "$SEED" >"$T/out" 2>&1
	rc=$?
	cat "$T/out"
	check_eq "archmail refuses exactly when libpam accepts" 0 "$rc"
	n=$(sed -n 's/^cases \([0-9]*\):.*/\1/p' "$T/out")
	check "at least 1,000 configurations" test "${n:-0}" -ge 1000
fi
finish
