#!/bin/sh
# Install everything archmail needs to build and to run its whole test
# suite on Debian 12, as root.  Test oracles: real Postfix (postmap,
# postalias), lmdb-utils (mdb_dump), openssl, shadow-utils (useradd, pwck,
# passwd), mkpasswd (whois), postfwd1 (postfwd), python3-dkim + nacl.  Postfix is installed without configuring
# it (the tests use a private config directory and never /etc/postfix).
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
	strace
