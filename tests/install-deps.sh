#!/bin/sh
# Install everything archmail needs to build and to run its whole test
# suite on Debian 12, as root.  Test oracles: real Postfix (postmap,
# postalias), lmdb-utils (mdb_dump), openssl, shadow-utils (useradd, pwck,
# passwd), mkpasswd (whois), postfwd1 (postfwd), python3-dkim + nacl, real
# libpam with pam_unix/pam_permit/pam_deny (libpam0g-dev, libpam-modules)
# and unshare (util-linux) for the PAM differential.  Postfix is installed
# without configuring it (the tests use a private config directory and
# never /etc/postfix).
set -eu
export DEBIAN_FRONTEND=noninteractive
echo "postfix postfix/main_mailer_type select No configuration" |
	debconf-set-selections
apt-get update -q
apt-get install -y -q --no-install-recommends \
	build-essential cmake pkg-config ca-certificates \
	liblmdb-dev lmdb-utils libicu-dev libssl-dev libcrypt-dev \
	libcmocka-dev openssl mandoc python3 time \
	postfix postfix-lmdb \
	passwd whois postfwd python3-dkim python3-nacl \
	libpam0g-dev libpam-modules util-linux
# Fault injection (SIGKILL/SIGTERM at a given rename) for the crash tests.
apt-get install -y -q --no-install-recommends strace
# The second sanitizer build: clang's UBSan catches what gcc's misses
# (NULL + 0, for one).  util-linux: setpriv and unshare for the tests that
# run as another user or in a private mount namespace; git for the CI step
# that tests a clone in an awkward place.
apt-get install -y -q --no-install-recommends clang util-linux git
# libFuzzer's runtime (tests/fuzz, -DARCHMAIL_FUZZ=ON): only recommended
# by clang, so --no-install-recommends leaves it out.
apt-get install -y -q --no-install-recommends libclang-rt-14-dev
# The JSON Schema of every --json result is checked by a real validator.
apt-get install -y -q --no-install-recommends python3-jsonschema
# tests/cli/passwd_pam_oracle.sh: real PAM stacks run by pamtester.
apt-get install -y -q --no-install-recommends pamtester
# tests/cli/dkim_vault.sh and tests/unit/test_am_vault.c: the real
# ansible-vault (ansible-core) writes and reads the vaults archmail reads
# and writes; tests/cli/ansible*.sh: the archmail.mailhost collection under
# real ansible-playbook and ansible-doc.
apt-get install -y -q --no-install-recommends ansible-core

# tests/cli/packaging.sh: the Debian packages (debian/, dpkg-buildpackage
# with debhelper and fakeroot) and the Arch package (packaging/arch/,
# Debian's makepkg, which needs bsdtar and file, and pacman for the
# package's .BUILDINFO) built offline.
apt-get install -y -q --no-install-recommends dpkg-dev debhelper fakeroot \
	makepkg pacman-package-manager libarchive-tools file

# The apply subcommands parse JSON Lines with jansson (cmd/cli/apply_input.c).
apt-get install -y -q --no-install-recommends libjansson-dev
