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
# SONAME policy (README, "The library"): 0.MINOR while archmail is 0.x,
# then the major number.
ver=$("$ARCHMAIL" --version | awk '{ print $2; exit }')
case $ver in
0.*) sov=$(cut -d. -f1,2 <<<"$ver") ;;
*) sov=${ver%%.*} ;;
esac
LIB=$P/lib/libarchmail.so.$sov
check "the library is in lib/ as libarchmail.so.$sov" test -e "$LIB"
check_eq "its SONAME is libarchmail.so.$sov" "libarchmail.so.$sov" \
    "$(readelf -d "$LIB" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')"
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
# Symbol policy: exported is exactly what the installed headers declare,
# each in the version node ARCHMAIL_<SOVERSION>.  (gcc's AddressSanitizer
# adds __odr_asan.NAME for exported data; the node itself is an absolute
# symbol of that name.)
nm -D --defined-only "$LIB" | awk -v node="ARCHMAIL_$sov" '
    $3 == node && $2 == "A" { next }
    $3 ~ /^__odr_asan\.am_/ { next }
    { print $3 }' >"$T/exported"
others=$(grep -v "^am_[A-Za-z0-9_]*@@ARCHMAIL_$sov\$" "$T/exported")
check_eq "the library exports only am_ symbols, in node ARCHMAIL_$sov" \
    "" "$others"
check "... and some" test "$(wc -l <"$T/exported")" -gt 100
sed 's/@.*//' "$T/exported" | sort -u >"$T/exported.names"
undeclared=$(while read -r sym; do
	grep -qw -- "$sym" "$P"/include/archmail/*.h || echo "$sym"
done <"$T/exported.names")
check_eq "every exported symbol is declared in an installed header" "" \
    "$undeclared"
# Every function the installed headers declare, as the compiler sees them
# (gcc's -aux-info, whichever compiler built the library).
for h in "$P"/include/archmail/*.h; do
	printf '#include "%s"\n' "$(basename "$h")"
done >"$T/api.c"
require_tool gcc
gcc -D_GNU_SOURCE -I"$P/include/archmail" -fsyntax-only \
    -aux-info "$T/api.aux" "$T/api.c" 2>"$T/aux.err"
check_eq "the installed headers compile together" 0 $?
# (-aux-info: "/* FILE:LINE:NC */ extern TYPE NAME (ARGS);", static
# inline helpers are "static"; the name is what precedes the first "(".)
grep "^/\* $P/include/archmail/" "$T/api.aux" |
    sed -n 's/^[^*]*\*[^*]*\*\/ extern [^(]*[ *]\(am_[A-Za-z0-9_]*\) (.*/\1/p' |
    sort -u >"$T/api.names"
check "... and declare functions" test "$(wc -l <"$T/api.names")" -gt 100
check_eq "every function an installed header declares is exported" "" \
    "$(comm -23 "$T/api.names" "$T/exported.names")"
check_fails "internal am_ossl_api (am_ossl.h, not installed) is hidden" \
    grep -qx am_ossl_api "$T/exported.names"
check_fails "am_ossl.h is not installed" test -e "$P/include/archmail/am_ossl.h"
check "the installed binary binds versioned API symbols" \
    grep -q "am_[a-z_]*@ARCHMAIL_$sov" <<<"$(nm -D "$P/bin/archmail")"
check_eq "... and no unversioned one" "" "$(nm -D --undefined-only \
    "$P/bin/archmail" | awk '$2 ~ /^am_/ && $2 !~ /@ARCHMAIL_/')"

finish
