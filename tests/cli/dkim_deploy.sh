#!/bin/bash
# archmail dkim as deployed next to a real signer: -f keeps the owner,
# group and mode of the key it replaces (an in-place convert of a 0640
# root:_rspamd key must stay readable by rspamd); convert --mode/--group;
# the warning when ROOT's rspamd is older than 3.13.2 and an Ed25519 key
# is written as pem or der (stand-in rspamd binaries in sysroots print
# what "rspamd --version" prints); -o dns; dkim check following a CNAME
# in dig output; a full file system, inodes included, is exit 74 (a tiny
# tmpfs in a private mount namespace); "-k name/" refused.
#
# usage: bash tests/cli/dkim_deploy.sh ARCHMAIL_BINARY  (from the repo root)
. tests/testlib.sh

for tool in openssl unshare stat; do
	require_tool "$tool" || finish
done

am() { "$ARCHMAIL" "$@"; }
# testlib's check, with the command's output kept out of the log.
check() {
	local desc=$1
	shift
	if "$@" > /dev/null 2>&1; then pass "$desc"; else fail "$desc (command: $*)"; fi
}
D=$T/d
mkdir -p "$D"
cd "$D" || exit 1

# --- -f keeps owner, group and mode ------------------------------------
owner() { stat -c '%u:%g %a' "$1"; }

am dkim keygen -t ed25519 -k k.pem > /dev/null
chown 0:4242 k.pem
chmod 0640 k.pem
check "keygen -f over a 0640 root:4242 key" \
    am dkim keygen -t ed25519 -k k.pem -f
check_eq "keygen -f: owner, group and mode kept" "0:4242 640" "$(owner k.pem)"
check "convert -f in place (pem to rspamd)" \
    am dkim convert -k k.pem --key-format rspamd -O k.pem -f
check_eq "convert -f: owner, group and mode kept" "0:4242 640" \
    "$(owner k.pem)"
check_eq "convert -f: the file holds the rspamd form now" 89 \
    "$(wc -c < k.pem)"
chown 4343:4242 k.pem
check "keygen -f over a key owned by uid 4343" \
    am dkim keygen -t ed25519 -k k.pem -f
check_eq "keygen -f: uid 4343 kept" "4343:4242 640" "$(owner k.pem)"
check "keygen -f --mode 0600" am dkim keygen -t ed25519 -k k.pem -f \
    --mode 0600
check_eq "keygen -f --mode: the mode given, owner kept" "4343:4242 600" \
    "$(owner k.pem)"

# convert --mode and --group (names from ROOT/etc/group).
R=$T/root
mkdir -p "$R/etc"
printf 'root:x:0:\n_rspamd:x:991:\n' > "$R/etc/group"
check "convert --group _rspamd" \
    am --root "$R" dkim convert -k k.pem --key-format pem -O g.pem \
    --group _rspamd
check_eq "convert --group: group 991, mode 0640" "0:991 640" \
    "$(owner g.pem)"
check "convert --mode 0600" \
    am dkim convert -k k.pem --key-format pem -O m.pem --mode 0600
check_eq "convert --mode 0600" "600" "$(stat -c %a m.pem)"
check_eq "convert --mode 0644: refused, 64" 64 \
    "$(am dkim convert -k k.pem --key-format pem -O m2.pem --mode 0644 \
    2>/dev/null; echo $?)"
check "convert -f --group over an existing key" \
    am --root "$R" dkim convert -k k.pem --key-format der -O m.pem -f \
    --group _rspamd
check_eq "convert -f --group: group given, mode kept" "0:991 600" \
    "$(owner m.pem)"

# --- rspamd older than 3.13.2 ------------------------------------------
# A stand-in rspamd in ROOT/usr/bin: answers --version as rspamd does.
fake_rspamd() {
	local root=$1 version=$2 dir=${3:-usr/bin}
	mkdir -p "$root/$dir"
	printf '#!/bin/sh\n[ "$1" = --version ] || exit 2\nprintf "Rspamd daemon version %s\\n\\nCPU Architecture x86_64\\n"\n' \
	    "$version" > "$root/$dir/rspamd"
	chmod 755 "$root/$dir/rspamd"
}
fake_rspamd "$T/r34" 3.4
fake_rspamd "$T/r3131" 3.13.1 usr/sbin
fake_rspamd "$T/r3132" 3.13.2
fake_rspamd "$T/r41" 4.1.5
mkdir -p "$T/none"

warns() {
	local root=$1
	shift
	rm -f w.key
	am --root "$root" "$@" > /dev/null 2> warn.err ||
	    fail "$* (with --root $root) failed: $(cat warn.err)"
	grep -q -- '--key-format rspamd' warn.err
}
check "rspamd 3.4, ed25519 pem: warns" \
    warns "$T/r34" dkim keygen -t ed25519 -k w.key
check "the warning names rspamd's version" grep -q 'rspamd 3.4' warn.err
check "rspamd 3.4, ed25519 der: warns" \
    warns "$T/r34" dkim keygen -t ed25519 --key-format der -k w.key
check "rspamd 3.13.1 in /usr/sbin: warns" \
    warns "$T/r3131" dkim keygen -t ed25519 -k w.key
check_fails "rspamd 3.4, ed25519 rspamd format: no warning" \
    warns "$T/r34" dkim keygen -t ed25519 --key-format rspamd -k w.key
check_fails "rspamd 3.4, RSA pem: no warning" \
    warns "$T/r34" dkim keygen -t rsa -b 1024 -k w.key
check_fails "rspamd 3.13.2: no warning" \
    warns "$T/r3132" dkim keygen -t ed25519 -k w.key
check_fails "rspamd 4.1.5: no warning" \
    warns "$T/r41" dkim keygen -t ed25519 -k w.key
check_fails "no rspamd in ROOT: no warning" \
    warns "$T/none" dkim keygen -t ed25519 -k w.key
am dkim keygen -t ed25519 --key-format rspamd -k raw.key > /dev/null
check "rspamd 3.4, convert to pem: warns" \
    warns "$T/r34" dkim convert -k raw.key --key-format pem -O w.key
check "rspamd 3.4, --json: the warning in warnings" \
    grep -q 'key-format rspamd' <<< "$(rm -f w.key; am --root "$T/r34" \
    --json dkim keygen -t ed25519 -k w.key 2>/dev/null)"

# --- -o dns is the zone format -----------------------------------------
check_eq "-o dns is -o zone" \
    "$(am dkim record -k raw.key -s s -o zone)" \
    "$(am dkim record -k raw.key -s s -o dns)"
check "keygen -o dns" am dkim keygen -t ed25519 -k dns.key -o dns

# --- dkim check follows a CNAME in dig output --------------------------
val=$(am dkim record -k raw.key -s sel -d example.org -o txt)
other=$(am dkim keygen -t ed25519 -k other.key -o txt)
cat > dig.txt <<EOF
; <<>> DiG 9.18.33-1~deb12u2-Debian <<>> TXT sel._domainkey.example.org
;; ANSWER SECTION:
sel._domainkey.example.org. 3600 IN	CNAME	sel.dkim.mailprovider.net.
sel.dkim.mailprovider.net. 300	IN	TXT	"$val"
EOF
check "check follows the CNAME to the TXT record" \
    am dkim check -k raw.key -s sel -d example.org --record-file dig.txt
check "check names the CNAME target" \
    grep -q 'CNAME to sel.dkim.mailprovider.net' \
    <<< "$(am dkim check -k raw.key -s sel -d example.org \
    --record-file dig.txt)"
sed "s|$val|$other|" dig.txt > dig-other.txt
check_eq "a CNAME to another key: exit 1" 1 \
    "$(am dkim check -k raw.key -s sel -d example.org \
    --record-file dig-other.txt > /dev/null 2>&1; echo $?)"
sed 's|IN	CNAME	sel.dkim.mailprovider.net.|IN	CNAME	elsewhere.example.net.|' \
    dig.txt > dig-broken.txt
check_eq "a CNAME that leads elsewhere: owner mismatch, exit 1" \
    "1 OWNER_MISMATCH" \
    "$(am --json dkim check -k raw.key -s sel -d example.org \
    --record-file dig-broken.txt 2>/dev/null | /usr/bin/python3 -c '
import json, sys
j = json.load(sys.stdin)
print(1 if not j["ok"] else 0, " ".join(i["code"] for i in j["issues"]))')"
printf 'sel._domainkey.example.org. 60 IN CNAME a.example.net.\na.example.net. 60 IN CNAME b.example.net.\nb.example.net. 60 IN TXT "%s"\n' \
    "$val" > dig-two.txt
check "check follows two CNAMEs" \
    am dkim check -k raw.key -s sel -d example.org --record-file dig-two.txt

# --- a full file system: 74, nothing left ------------------------------
# A tmpfs whose only inode is its root: creating any file is ENOSPC.
full() {
	local m=$T/full
	mkdir -p "$m"
	unshare -m sh -c 'mount -t tmpfs -o size=1m,nr_inodes=1 tmpfs "$1" &&
	    shift && "$@"; rc=$?; ls -A "'"$m"'" > "'"$T"'/full.ls"; exit $rc' \
	    sh "$m" "$@"
}
check_eq "keygen on a file system without inodes: 74" 74 \
    "$(full "$ARCHMAIL" dkim keygen -t ed25519 -k "$T/full/k.key" \
    > /dev/null 2>&1; echo $?)"
check_eq "... nothing left on it" "" "$(cat "$T/full.ls")"
check_eq "convert on a file system without inodes: 74" 74 \
    "$(full "$ARCHMAIL" dkim convert -k raw.key --key-format pem \
    -O "$T/full/c.pem" > /dev/null 2>&1; echo $?)"
check_eq "vault keygen on a file system without inodes: 74" 74 \
    "$(printf 'pw\n' > pw; full "$ARCHMAIL" dkim keygen -t ed25519 \
    -k "$T/full/k.vault" --vault-password-file pw > /dev/null 2>&1; echo $?)"
# And one with inodes but no blocks left (the write fails).
blocks() {
	local m=$T/full
	unshare -m sh -c 'mount -t tmpfs -o size=4k tmpfs "$1" &&
	    head -c 4096 /dev/zero > "$1/fill" 2>/dev/null; shift; "$@"' \
	    sh "$m" "$@"
}
check_eq "keygen on a file system without blocks: 74" 74 \
    "$(blocks "$ARCHMAIL" dkim keygen -t rsa -b 1024 -k "$T/full/k.key" \
    > /dev/null 2>&1; echo $?)"

# --- "-k name/" --------------------------------------------------------
check_eq "keygen -k name/: refused, 73" 73 \
    "$(am dkim keygen -t ed25519 -k "$D/slash/" > /dev/null 2>&1; echo $?)"
check_fails "keygen -k name/: no file \"name\"" test -e "$D/slash"
check_eq "convert -O name/: refused, 73" 73 \
    "$(am dkim convert -k raw.key --key-format pem -O "$D/slash/" \
    > /dev/null 2>&1; echo $?)"
check_fails "convert -O name/: no file \"name\"" test -e "$D/slash"
mkdir -p "$D/adir"
check_eq "keygen -k existing-dir/: refused, 73" 73 \
    "$(am dkim keygen -t ed25519 -k "$D/adir/" -f > /dev/null 2>&1; echo $?)"

finish
