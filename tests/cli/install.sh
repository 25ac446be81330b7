#!/bin/bash
# "cmake --install" into a scratch prefix gives an archmail that starts
# with an empty environment (RUNPATH relative to the binary, no ldconfig,
# no LD_LIBRARY_PATH), compiles and queries the example tables, and by
# default installs nothing a Postfix package owns (postmap, postalias,
# newaliases are opt-in: -DARCHMAIL_POSTFIX_NAMES=ON); the installed
# headers and pkg-config file build a program against the library, which
# exports only am_ symbols.
#
# usage (from the repository root): bash tests/cli/install.sh ARCHMAIL
. tests/testlib.sh

BUILD=$(cd "$(dirname "$ARCHMAIL")" && pwd)
P="$T/prefix with space"
cmake --install "$BUILD" --prefix "$P" >"$T/install.log" 2>&1
check_eq "cmake --install to a scratch prefix: exit 0" 0 $?
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

# The library for other programs: headers, pkg-config, only am_ symbols.
require_tool pkg-config
cat >"$T/prog.c" <<'CEOF'
#include <stdio.h>
#include <stdlib.h>
#include <am_host.h>

int
main(void)
{
	char *p = am_root_join("/srv/root", "/etc/passwd");

	printf("%s\n", p != NULL ? p : "(null)");
	free(p);
	return 0;
}
CEOF
flags=$(PKG_CONFIG_PATH="$P/lib/pkgconfig" pkg-config --cflags --libs archmail)
check_eq "pkg-config --cflags --libs archmail: exit 0" 0 $?
# The build's own compiler, and its sanitizers when the library has them
# (an ASan library needs an ASan program).
CC=$(sed -n 's/^CMAKE_C_COMPILER:[A-Z]*=//p' "$BUILD/CMakeCache.txt")
san=
grep -q '^ARCHMAIL_SANITIZE:BOOL=ON' "$BUILD/CMakeCache.txt" &&
    san="-fsanitize=address,undefined"
eval "\"\$CC\" $san -o \"\$T/prog\" \"\$T/prog.c\" $flags" \
    "-Wl,-rpath,\"\$P/lib\"" 2>"$T/cc.err"
check_eq "a program builds against the installed headers and library" 0 $?
check_eq "... and runs" /srv/root/etc/passwd \
    "$(env -i ASAN_OPTIONS=detect_leaks=0 "$T/prog")"
# (gcc's AddressSanitizer adds __odr_asan.NAME for exported data.)
others=$(nm -D --defined-only "$P/lib/libarchmail.so.0" |
    awk '$3 !~ /^am_/ && $3 !~ /^__odr_asan\.am_/ { print $3 }')
check_eq "the library exports only am_ symbols" "" "$others"
check "... and some" test "$(nm -D --defined-only \
    "$P/lib/libarchmail.so.0" | wc -l)" -gt 100

finish
