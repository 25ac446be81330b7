#!/bin/bash
# The distribution packages build from the tree as it is, offline, and
# hold what they should: the Debian packages (debian/, dpkg-buildpackage
# -us -uc -b) install next to Debian's postfix without a file in common,
# the Arch package (packaging/arch/PKGBUILD, makepkg) likewise leaves the
# Postfix names alone; both carry the bash completion, a binary without
# RUNPATH that runs from the package's library, and a library whose
# SONAME and package name follow the SOVERSION (README, "Install and
# packages").  Everything is built under $T: the source tree is never
# written.
#
# usage (from the repository root): bash tests/cli/packaging.sh ARCHMAIL
. tests/testlib.sh

for tool in git dpkg-buildpackage dh fakeroot makepkg bsdtar readelf \
    pkg-config; do
	require_tool "$tool" || finish
done
dpkg -s postfix >/dev/null 2>&1 ||
	{ fail "postfix is not installed (tests/install-deps.sh)"; finish; }

SRC=$(pwd)
ver=$("$ARCHMAIL" --version | awk '{ print $2; exit }')
case $ver in
0.*) sov=$(cut -d. -f1,2 <<<"$ver") ;;
*) sov=${ver%%.*} ;;
esac
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
status_before=$(git -C "$SRC" status --porcelain)

# The tree as it is, tracked and new files (not the ignored build
# directories), as the tarball archmail-VERSION/ a release would be.
mkdir -p "$T/tree/archmail-$ver"
git -C "$SRC" ls-files -co --exclude-standard -z |
    while IFS= read -r -d '' f; do
	[ -e "$SRC/$f" ] && printf '%s\0' "$f"
    done | tar -C "$SRC" -c --null -T - | tar -x -C "$T/tree/archmail-$ver"
check "the tree is copied" test -s "$T/tree/archmail-$ver/CMakeLists.txt"

# Files and links of a package listing ("./usr/bin/x" or "./a -> b"),
# without the directories, as absolute paths.
deb_files() {
	dpkg-deb -c "$1" | awk '$1 !~ /^d/ { print substr($6, 2) }'
}

postfix_names() {
	grep -E '/(postmap|postalias|newaliases|sendmail|mailq)$' || true
}

# --- Debian -------------------------------------------------------------
D=$T/deb
mkdir -p "$D"
cp -a "$T/tree/archmail-$ver" "$D/"
debver=$(cd "$D/archmail-$ver" && dpkg-parsechangelog -S Version)
check_eq "debian/changelog is this version" "$ver" "${debver%-*}"
# nocheck: the unit tests run in ctest already; the build is what is
# tested here (and no -dbgsym packages, to keep it short).
(cd "$D/archmail-$ver" &&
    DEB_BUILD_OPTIONS="nocheck noautodbgsym parallel=2" \
    dpkg-buildpackage -us -uc -b) \
    >"$T/deb.log" 2>&1
rc=$?
check_eq "dpkg-buildpackage -us -uc -b: exit 0" 0 "$rc"
[ "$rc" -eq 0 ] || tail -30 "$T/deb.log" >&2
arch=$(dpkg --print-architecture)
BIN=$D/archmail_${debver}_$arch.deb
LIBPKG=$D/libarchmail${sov}_${debver}_$arch.deb
DEV=$D/libarchmail-dev_${debver}_$arch.deb
for deb in "$BIN" "$LIBPKG" "$DEV"; do
	check "built $(basename "$deb")" test -s "$deb"
done

dpkg -L postfix | sort -u >"$T/postfix.paths"
for deb in "$D"/*.deb; do
	deb_files "$deb"
done | sort -u >"$T/deb.paths"
check "the packages hold files" test "$(wc -l <"$T/deb.paths")" -gt 20
check_eq "no path in the packages that postfix owns" "" \
    "$(comm -12 "$T/deb.paths" "$T/postfix.paths")"
check_eq "no Postfix name (postmap, postalias, newaliases) at all" "" \
    "$(postfix_names <"$T/deb.paths")"
check "bash completion in the archmail package" \
    grep -qx /usr/share/bash-completion/completions/archmail \
    <<<"$(deb_files "$BIN")"
check "the man pages in the archmail package" \
    grep -qx /usr/share/man/man8/archmail.8.gz <<<"$(deb_files "$BIN")"
check "the library in libarchmail$sov" \
    grep -qx "/usr/lib/$multiarch/libarchmail.so.$sov" \
    <<<"$(deb_files "$LIBPKG")"
check "headers and pkg-config file in libarchmail-dev" \
    grep -qx "/usr/lib/$multiarch/pkgconfig/archmail.pc" \
    <<<"$(deb_files "$DEV")"
check_eq "archmail depends on its library, this version" \
    "libarchmail$sov (= $debver)" \
    "$(dpkg-deb -f "$BIN" Depends | tr ',' '\n' | sed 's/^ //' |
	grep '^libarchmail')"
# libcrypto and ICU are dlopen()ed: their packages are named by hand.
libdeps=$(dpkg-deb -f "$LIBPKG" Depends)
for so in libcrypto.so.3 \
    "libicuuc.so.$(pkg-config --modversion icu-uc | cut -d. -f1)"; do
	pkg=$(dpkg-query -S "/usr/lib/$multiarch/$so" | cut -d: -f1)
	check "libarchmail$sov depends on $pkg ($so, dlopened)" \
	    grep -qw -- "$pkg" <<<"$libdeps"
done

# Unpacked, the packages work: the binary (no RUNPATH: the library is on
# ld.so's path once installed), the completion, the -dev package.
R=$T/debroot
for deb in "$BIN" "$LIBPKG" "$DEV"; do
	dpkg-deb -x "$deb" "$R"
done
check_eq "the packaged library's SONAME" "libarchmail.so.$sov" \
    "$(readelf -d "$R/usr/lib/$multiarch/libarchmail.so.$sov" |
	sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')"
check_eq "the packaged binary has no RUNPATH" "" \
    "$(readelf -d "$R/usr/bin/archmail" | grep -E 'RPATH|RUNPATH')"
out=$(env -i LD_LIBRARY_PATH="$R/usr/lib/$multiarch" \
    "$R/usr/bin/archmail" --version 2>&1)
check_eq "the packaged binary runs with the packaged library" \
    "archmail $ver" "$(head -1 <<<"$out")"
check "the packaged completion completes archmail" \
    bash -c '. "$1" && complete -p archmail >/dev/null' bash \
    "$R/usr/share/bash-completion/completions/archmail"
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
flags=$(PKG_CONFIG_PATH="$R/usr/lib/$multiarch/pkgconfig" \
    pkg-config --cflags --libs archmail)
# shellcheck disable=SC2086
cc -o "$T/prog" "$T/prog.c" $flags 2>"$T/cc.err"
check_eq "a program builds with libarchmail-dev's pkg-config file" 0 $?
check_eq "... and runs with the packaged library" /srv/root/etc/passwd \
    "$(env -i LD_LIBRARY_PATH="$R/usr/lib/$multiarch" "$T/prog")"

# --- Arch Linux ---------------------------------------------------------
# makepkg refuses to run as root: it runs as uid 65534, in a directory of
# its own under a 0755 parent (unpriv_init), with the tarball beside the
# PKGBUILD as its source.
unpriv_init
A=$UNPRIV/arch
mkdir -p "$A/home"
cp packaging/arch/PKGBUILD "$A/"
tar -C "$T/tree" -czf "$A/archmail-$ver.tar.gz" "archmail-$ver"
chown -R 65534:65534 "$A"
mk() {
	(cd "$A" && setpriv --reuid=65534 --regid=65534 --clear-groups \
	    env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$A/home" \
	    LC_ALL=C.UTF-8 \
	    CMAKE_BUILD_PARALLEL_LEVEL=2 \
	    makepkg "$@")
}
srcinfo=$(mk --printsrcinfo 2>"$T/srcinfo.err")
check_eq "makepkg --printsrcinfo: exit 0" 0 $?
check "... names archmail $ver" grep -qx "	pkgver = $ver" <<<"$srcinfo"
check "... depends on openssl and icu (dlopened)" \
    test "$(grep -cE '^	depends = (openssl|icu)$' <<<"$srcinfo")" -eq 2
# With check(): the unit tests, as makepkg runs them, as a normal user.
mk --nodeps --noconfirm --noprogressbar >"$T/makepkg.log" 2>&1
rc=$?
check_eq "makepkg --nodeps (build, check, package): exit 0" 0 "$rc"
check "... check() ran the unit tests" \
    grep -q '100% tests passed, 0 tests failed out of' "$T/makepkg.log"
[ "$rc" -eq 0 ] || tail -30 "$T/makepkg.log" >&2
PKG=$(ls "$A"/archmail-"$ver"-1-*.pkg.tar.* 2>/dev/null | head -1)
check "built archmail-$ver-1-ARCH.pkg.tar.*" test -s "$PKG"
bsdtar -tf "$PKG" | grep -v '/$' | grep -v '^\.' | sed 's,^,/,' |
    sort -u >"$T/pkg.paths"
for f in /usr/bin/archmail "/usr/lib/libarchmail.so.$sov" \
    /usr/lib/pkgconfig/archmail.pc /usr/include/archmail/am_host.h \
    /usr/share/bash-completion/completions/archmail \
    /usr/share/man/man8/archmail.8.gz; do
	check "the Arch package holds $f" grep -qx -- "$f" "$T/pkg.paths"
done
check_eq "no Postfix name in the Arch package" "" \
    "$(postfix_names <"$T/pkg.paths")"
check_eq "no path in the Arch package that Debian's postfix owns" "" \
    "$(comm -12 "$T/pkg.paths" "$T/postfix.paths")"
mkdir "$T/archroot"
bsdtar -xf "$PKG" -C "$T/archroot"
check_eq "the Arch package's binary has no RUNPATH" "" \
    "$(readelf -d "$T/archroot/usr/bin/archmail" | grep -E 'RPATH|RUNPATH')"
out=$(env -i LD_LIBRARY_PATH="$T/archroot/usr/lib" \
    "$T/archroot/usr/bin/archmail" --version 2>&1)
check_eq "... and runs with the packaged library" "archmail $ver" \
    "$(head -1 <<<"$out")"

check_eq "the source tree is not written" "$status_before" \
    "$(git -C "$SRC" status --porcelain)"

finish
