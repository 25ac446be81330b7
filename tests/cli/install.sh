#!/bin/bash
# "cmake --install" into a scratch prefix gives an archmail that starts
# with an empty environment (RUNPATH relative to the binary, no ldconfig,
# no LD_LIBRARY_PATH), compiles and queries the example tables, and by
# default installs nothing a Postfix package owns (postmap, postalias,
# newaliases are opt-in: -DARCHMAIL_POSTFIX_NAMES=ON).
#
# usage (from the repository root): bash tests/cli/install.sh ARCHMAIL
. tests/testlib.sh

BUILD=$(cd "$(dirname "$ARCHMAIL")" && pwd)
P="$T/prefix with space"
check "cmake --install to a scratch prefix" \
    cmake --install "$BUILD" --prefix "$P"
check "the binary is in bin/" test -x "$P/bin/archmail"
check_fails "no postmap installed by default" test -e "$P/bin/postmap"
check_fails "no postalias installed by default" test -e "$P/bin/postalias"
check_fails "no newaliases installed by default" \
    test -e "$P/bin/newaliases"
check_fails "nothing in sbin/" test -e "$P/sbin"
check "the library is in lib/" test -e "$P/lib/libarchmail.so.0"
check "bash completion installed" \
    test -s "$P/share/bash-completion/completions/archmail"
check "man pages installed" test -s "$P/share/man/man8/archmail.8"

out=$(env -i "$P/bin/archmail" --version 2>&1)
check_eq "archmail --version with an empty environment: exit 0" 0 $?
check "... prints the version" grep -q '^archmail [0-9]' <<<"$out"
check "RUNPATH finds ../lib" grep -q 'RUNPATH.*\$ORIGIN/\.\./lib' \
    <<<"$(readelf -d "$P/bin/archmail")"

# The examples, compiled and queried by the installed binary alone.
cp examples/users "$T/users"
cp examples/main.cf "$T/main.cf"
env -i "$P/bin/archmail" postmap -c "$T" "lmdb:$T/users"
check_eq "installed postmap builds the example users table: exit 0" 0 $?
key=$(awk '!/^#/ && NF >= 2 { print $1; exit }' examples/users)
want=$(awk -v k="$key" '$1 == k { $1 = ""; sub(/^ +/, ""); print; exit }' \
    examples/users)
got=$(env -i "$P/bin/archmail" postmap -c "$T" -q "$key" "lmdb:$T/users")
check_eq "installed postmap -q $key" "$want" "$got"

finish
