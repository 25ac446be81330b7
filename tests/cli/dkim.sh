#!/bin/bash
# archmail dkim keygen / record / convert / check, checked with independent
# tools: openssl loads every key written and derives the public key that
# the printed record must carry; Debian's python3-dkim (dkimpy, with
# python3-nacl for Ed25519) signs a message with the key and verifies it
# against the printed record.  Plus file modes, refusals, symlinks, a full
# file system (a small tmpfs, so this runs as root), and bad input.
#
# usage: bash tests/cli/dkim.sh ARCHMAIL_BINARY   (from the repository root)
. tests/testlib.sh

PY=/usr/bin/python3	# Debian's, where python3-dkim lives
MNT=
cleanup() {
	if [ -n "$MNT" ] && mountpoint -q "$MNT"; then
		umount "$MNT"
	fi
	rm -rf "$T"
}
trap cleanup EXIT

for tool in openssl "$PY" mountpoint; do
	command -v "$tool" >/dev/null || { echo "FAIL: $tool missing" >&2; exit 1; }
done
if ! "$PY" -c 'import dkim, nacl' 2>/dev/null; then
	echo "FAIL: python3-dkim and python3-nacl are needed" >&2
	exit 1
fi

am() { "$ARCHMAIL" "$@"; }

# The record's value: the quoted strings of zone text joined, or the line.
value_of() {
	"$PY" -c '
import re, sys
t = sys.stdin.read()
s = re.findall(r"\"((?:[^\"\\]|\\.)*)\"", t)
print("".join(s) if s else t.strip())'
}

# p= of a record value.
p_of() {
	sed -n 's/.*p=\([^;]*\).*/\1/p' | tr -d ' \t'
}

# The public key as a DKIM record must carry it, derived by openssl:
# RSA the DER SubjectPublicKeyInfo, Ed25519 its last 32 bytes (RFC 8463).
# KEY is anything openssl pkey reads (INFORM: PEM or DER).
openssl_p() {
	local key=$1 inform=$2
	if openssl pkey -inform "$inform" -in "$key" -noout -text 2>/dev/null |
	    grep -q '^ED25519'; then
		openssl pkey -inform "$inform" -in "$key" -pubout -outform DER |
		    tail -c 32 | base64 -w0
	else
		openssl pkey -inform "$inform" -in "$key" -pubout -outform DER |
		    base64 -w0
	fi
}

# rspamd's raw Ed25519 file (base64 of seed || public, or of the seed)
# as PKCS#8 DER, built here from RFC 8410's fixed prefix.
rspamd_to_der() {
	"$PY" -c '
import base64, sys
raw = base64.b64decode(open(sys.argv[1]).read().strip(), validate=True)
assert len(raw) in (32, 64), len(raw)
sys.stdout.buffer.write(bytes.fromhex("302e020100300506032b657004220420") + raw[:32])' "$1"
}

cat >"$T/dkimpy.py" <<'PY'
# sign with dkimpy using KEY, verify against the record in RECORDFILE
# usage: dkimpy.py rsa|ed25519 KEY(PEM for rsa, PKCS#8 DER for ed25519)
#        SELECTOR DOMAIN RECORDFILE
import re, sys, base64, dkim
alg, keyfile, sel, dom, recfile = sys.argv[1:]
text = open(recfile).read()
strings = re.findall(r'"((?:[^"\\]|\\.)*)"', text)
record = ("".join(strings) if strings else text.strip()).encode()
key = open(keyfile, "rb").read()
if alg == "ed25519":
    assert len(key) == 48, len(key)
    key = base64.b64encode(key[16:])    # the 32-byte seed, as nacl wants
    sigalg = b"ed25519-sha256"
else:
    sigalg = b"rsa-sha256"
msg = (b"From: Someone <someone@" + dom.encode() + b">\r\n"
       b"To: you@example.org\r\nSubject: dkim test\r\n"
       b"Date: Mon, 01 Jan 2024 00:00:00 +0000\r\n"
       b"Message-ID: <1@" + dom.encode() + b">\r\n\r\nHello.\r\n")
sig = dkim.sign(msg, sel.encode(), dom.encode(), key,
                signature_algorithm=sigalg)
asked = []
def dns(name, timeout=5):
    asked.append(name)
    return record
try:
    ok = dkim.verify(sig + msg, dnsfunc=dns)
except Exception as e:      # dkimpy raises on some key/record mixes
    print("dkimpy:", type(e).__name__, e)
    sys.exit(1)
want = (sel + "._domainkey." + dom + ".").encode()
if asked != [want]:
    print("asked for", asked, "not", want)
    sys.exit(2)
sys.exit(0 if ok else 1)
PY
dkimpy() { "$PY" "$T/dkimpy.py" "$@"; }

# key file as dkimpy takes it: RSA PEM, Ed25519 PKCS#8 DER.
dkimpy_key() {
	local key=$1 alg=$2 inform=$3 out=$4
	if [ "$alg" = ed25519 ]; then
		openssl pkey -inform "$inform" -in "$key" -outform DER -out "$out"
	else
		openssl pkey -inform "$inform" -in "$key" -out "$out"
	fi
}

# ---------------------------------------------------------------------------
# The runbook lines, verbatim.
mkdir "$T/run"
cd "$T/run"
check "runbook ed25519 line" sh -c "'$ARCHMAIL' dkim keygen -s dkim-ed25519 -b 0 -d archlinux.org -t ed25519 -k archlinux.org.dkim-ed25519.key >ed.out"
check "runbook rsa line" sh -c "'$ARCHMAIL' dkim keygen -s dkim-rsa -b 4096 -d archlinux.org -t rsa -k archlinux.org.dkim-rsa.key >rsa.out"
check_eq "runbook: ed25519 key mode 0600" 600 "$(stat -c %a archlinux.org.dkim-ed25519.key)"
check_eq "runbook: rsa key mode 0600" 600 "$(stat -c %a archlinux.org.dkim-rsa.key)"
check "runbook: openssl loads the ed25519 key" openssl pkey -in archlinux.org.dkim-ed25519.key -noout
check "runbook: openssl loads the rsa key" openssl pkey -in archlinux.org.dkim-rsa.key -noout
check_eq "runbook: rsa key is 4096 bits" "Private-Key: (4096 bit, 2 primes)" \
    "$(openssl pkey -in archlinux.org.dkim-rsa.key -noout -text | head -n 1)"
check_eq "runbook: ed25519 record layout" "dkim-ed25519._domainkey IN TXT ( \"v=DKIM1; k=ed25519; \"" \
    "$(head -n 1 ed.out)"
check_eq "runbook: ed25519 p= is openssl's raw key" \
    "$(openssl_p archlinux.org.dkim-ed25519.key PEM)" "$(value_of <ed.out | p_of)"
check_eq "runbook: rsa p= is openssl's SPKI" \
    "$(openssl_p archlinux.org.dkim-rsa.key PEM)" "$(value_of <rsa.out | p_of)"
check_eq "runbook: rsa-4096 string lengths (rspamd's)" "16 255 255 228" \
    "$("$PY" -c '
import re, sys
print(*[len(s) for s in re.findall(r"\"([^\"]*)\"", sys.stdin.read())])' <rsa.out)"
check_eq "runbook: rsa-4096 record ends with ) ; on its own line" ") ;" "$(tail -n 1 rsa.out)"
dkimpy_key archlinux.org.dkim-ed25519.key ed25519 PEM ed.der
dkimpy_key archlinux.org.dkim-rsa.key rsa PEM rsa.pem
check "runbook: dkimpy verifies an ed25519 signature against the record" \
    dkimpy ed25519 ed.der dkim-ed25519 archlinux.org ed.out
check "runbook: dkimpy verifies an rsa signature against the record" \
    dkimpy rsa rsa.pem dkim-rsa archlinux.org rsa.out
# The oracle can fail: a record of another key does not verify.
check_fails "dkimpy refuses the rsa signature against the ed25519 record" \
    dkimpy rsa rsa.pem dkim-rsa archlinux.org ed.out
am dkim keygen -t ed25519 -k other.key >other.out
check_fails "dkimpy refuses an ed25519 signature against another key's record" \
    dkimpy ed25519 ed.der dkim-ed25519 archlinux.org other.out
cd - >/dev/null

# ---------------------------------------------------------------------------
# Without -k: the private key on stdout, then the record.
for t in ed25519 rsa; do
	am dkim keygen -t "$t" -b 1024 -s s1 >"$T/stdout.$t"
	check "no -k, $t: exit 0" test -s "$T/stdout.$t"
	check_eq "no -k, $t: key first" "-----BEGIN PRIVATE KEY-----" "$(head -n 1 "$T/stdout.$t")"
	sed -n '1,/^-----END PRIVATE KEY-----$/p' "$T/stdout.$t" >"$T/stdout.$t.key"
	sed '1,/^-----END PRIVATE KEY-----$/d' "$T/stdout.$t" >"$T/stdout.$t.rec"
	check "no -k, $t: openssl loads the key" openssl pkey -in "$T/stdout.$t.key" -noout
	check_eq "no -k, $t: record follows, p= matches" \
	    "$(openssl_p "$T/stdout.$t.key" PEM)" "$(value_of <"$T/stdout.$t.rec" | p_of)"
done
check_eq "no -k, -k - is the same" "-----BEGIN PRIVATE KEY-----" \
    "$(am dkim keygen -t ed25519 -k - | head -n 1)"

# ---------------------------------------------------------------------------
# Every key format, for both types: openssl (or rspamd's documented form)
# loads it, p= matches, dkim record re-derives the same record, dkimpy
# signs with it and verifies against the record.
D=$T/formats
mkdir "$D"
for spec in ed25519:pem ed25519:der ed25519:rspamd rsa:pem rsa:pkcs1 rsa:der; do
	t=${spec%%:*}
	f=${spec#*:}
	k=$D/$t.$f
	if ! am dkim keygen -t "$t" -b 1024 -s sel -d example.org --key-format "$f" -k "$k" >"$k.out"; then
		fail "keygen -t $t --key-format $f"
		continue
	fi
	case $f in
	der) check_fails "$t $f: binary" grep -q BEGIN "$k"
		inform=DER okey=$k ;;
	rspamd) check_eq "$t $f: one base64 line of 64 bytes" 89 "$(wc -c <"$k")"
		rspamd_to_der "$k" >"$k.der"
		inform=DER okey=$k.der ;;
	pkcs1) check_eq "$t $f: PKCS#1 PEM" "-----BEGIN RSA PRIVATE KEY-----" "$(head -n 1 "$k")"
		inform=PEM okey=$k ;;
	*) check_eq "$t $f: PKCS#8 PEM" "-----BEGIN PRIVATE KEY-----" "$(head -n 1 "$k")"
		inform=PEM okey=$k ;;
	esac
	check "$t $f: openssl pkey loads it" openssl pkey -inform "$inform" -in "$okey" -noout
	check_eq "$t $f: p= is openssl's public key" "$(openssl_p "$okey" "$inform")" \
	    "$(value_of <"$k.out" | p_of)"
	check_eq "$t $f: dkim record re-derives the record" "$(cat "$k.out")" \
	    "$(am dkim record -k "$k" -s sel -d example.org)"
	dkimpy_key "$okey" "$t" "$inform" "$k.signkey"
	check "$t $f: dkimpy signs and verifies against the record" \
	    dkimpy "$t" "$k.signkey" sel example.org "$k.out"
done
# rspamd's 32-byte seed form (rspamadm -t ed25519-seed) is read too.
head -c 32 /dev/urandom | base64 -w0 >"$D/seed.key"
check_eq "record of an rspamd seed file" "$(rspamd_to_der "$D/seed.key" >"$D/seed.der"; openssl_p "$D/seed.der" DER)" \
    "$(am dkim record -k "$D/seed.key" -o plain)"
# ... and keys written by openssl itself.
openssl genpkey -algorithm ed25519 -out "$D/o-ed.pem" 2>/dev/null
openssl genpkey -algorithm rsa -pkeyopt rsa_keygen_bits:1024 -out "$D/o-rsa.pem" 2>/dev/null
openssl pkey -in "$D/o-rsa.pem" -traditional -out "$D/o-rsa.pkcs1"
openssl pkcs8 -topk8 -nocrypt -in "$D/o-rsa.pem" -outform DER -out "$D/o-rsa.der"
openssl pkey -in "$D/o-rsa.pem" -outform DER -out "$D/o-rsa.pkcs1der"
for k in o-rsa.pem o-rsa.pkcs1 o-rsa.der o-rsa.pkcs1der; do
	check_eq "record of openssl's $k" "$(openssl_p "$D/o-rsa.pem" PEM)" \
	    "$(am dkim record -k "$D/$k" -o plain)"
done
check_eq "record of openssl's ed25519 key" "$(openssl_p "$D/o-ed.pem" PEM)" \
    "$(am dkim record -k "$D/o-ed.pem" -o plain)"

# convert between all of them, and back.
check "convert ed25519 pem -> rspamd" am dkim convert -k "$D/ed25519.pem" --key-format rspamd -O "$D/c.rspamd"
check "convert rspamd -> der" am dkim convert -k "$D/c.rspamd" --key-format der -O "$D/c.der"
check "convert der -> pem" am dkim convert -k "$D/c.der" --key-format pem -O "$D/c.pem"
check "convert round trip gives the same PEM" cmp "$D/ed25519.pem" "$D/c.pem"
check "openssl reads the converted DER" openssl pkey -inform DER -in "$D/c.der" -noout
check_eq "converted files are 0600" "600 600 600" \
    "$(stat -c %a "$D/c.rspamd" "$D/c.der" "$D/c.pem" | xargs)"
check "convert rsa pem -> pkcs1" am dkim convert -k "$D/rsa.pem" --key-format pkcs1 -O "$D/c.pkcs1"
check "convert pkcs1 -> pem is the original" sh -c "'$ARCHMAIL' dkim convert -k '$D/c.pkcs1' --key-format pem -O - | cmp - '$D/rsa.pem'"
am dkim convert -k "$D/rsa.pem" --key-format rspamd -O "$D/c.bad" 2>/dev/null
check_eq "convert rsa -> rspamd refused (65)" 65 $?
check_fails "... and nothing written" test -e "$D/c.bad"
# Idempotent: the same output again changes nothing, even without -f.
m1=$(stat -c %Y.%i "$D/c.der")
sleep 1
check "convert to an identical file: exit 0" am dkim convert -k "$D/c.pem" --key-format der -O "$D/c.der"
check_eq "convert to an identical file: not rewritten" "$m1" "$(stat -c %Y.%i "$D/c.der")"
check_eq "convert --json says changed false" false \
    "$(am --json dkim convert -k "$D/c.pem" --key-format der -O "$D/c.der" |
	"$PY" -c 'import json,sys; print(str(json.load(sys.stdin)["changed"]).lower())')"
am dkim convert -k "$D/c.pem" --key-format pem -O "$D/c.der" 2>/dev/null
check_eq "convert over a different file without -f: 73" 73 $?
check "convert over a different file with -f" am dkim convert -k "$D/c.pem" --key-format pem -O "$D/c.der" -f

# ---------------------------------------------------------------------------
# Output formats.
K=$D/ed25519.pem
P=$(openssl_p "$K" PEM)
V="v=DKIM1; k=ed25519; p=$P"
check_eq "-o dnskey" "$V" "$(am dkim record -k "$K" -o dnskey)"
check_eq "-o txt" "$V" "$(am dkim record -k "$K" -o txt)"
check_eq "-o plain" "$P" "$(am dkim record -k "$K" -o plain)"
check_eq "-o strings" "\"v=DKIM1; k=ed25519; \" \"p=$P\"" "$(am dkim record -k "$K" -o strings)"
check_eq "-o terraform" "\"dkim-ed25519._domainkey\" = { value = \"$V\" }" \
    "$(am dkim record -k "$K" -s dkim-ed25519 -d archlinux.org -o terraform)"
check_eq "-o zone --fqdn --ttl" \
    "dkim-ed25519._domainkey.archlinux.org. 3600 IN TXT ( \"v=DKIM1; k=ed25519; \"|	\"p=$P\" ) ;" \
    "$(am dkim record -k "$K" -s dkim-ed25519 -d archlinux.org --fqdn --ttl 3600 | paste -sd'|')"
check_eq "-o json" "dkim-ed25519|archlinux.org|dkim-ed25519._domainkey.archlinux.org|ed25519|256|$P|$V|$V|sha256:$(openssl_p "$K" PEM | base64 -d | sha256sum | cut -c1-64)" \
    "$(am dkim record -k "$K" -s dkim-ed25519 -d archlinux.org -o json | "$PY" -c '
import json, sys
j = json.load(sys.stdin)
print("|".join(str(x) for x in (j["selector"], j["domain"], j["name"], j["type"],
      j["bits"], j["public_key"], j["value"], "".join(j["strings"]), j["fingerprint"])))')"
# Strings of the zone output parse in a real zone parser, when there is one.
if "$PY" -c 'import dns.zone' 2>/dev/null; then
	{ echo '$ORIGIN archlinux.org.'; echo '@ 3600 IN SOA ns. h. 1 2 3 4 5'
	  cat "$T/run/rsa.out"; } >"$T/zone"
	check_eq "dnspython reads the zone output" "$(value_of <"$T/run/rsa.out")" \
	    "$("$PY" -c '
import dns.zone, sys
z = dns.zone.from_file(sys.argv[1], check_origin=False)
r = z.find_rdataset("dkim-rsa._domainkey", "TXT")
print(b"".join(r[0].strings).decode())' "$T/zone")"
fi

# ---------------------------------------------------------------------------
# File modes and groups.
M=$T/modes
mkdir "$M"
(umask 000 && am dkim keygen -t ed25519 -k "$M/umask.key" >/dev/null)
check_eq "mode 0600 whatever the umask" 600 "$(stat -c %a "$M/umask.key")"
am dkim keygen -t ed25519 -k "$M/m640.key" --mode 0640 >/dev/null
check_eq "--mode 0640" 640 "$(stat -c %a "$M/m640.key")"
am dkim keygen -t ed25519 -k "$M/g.key" --group nogroup >/dev/null
check_eq "--group: group and mode 0640" "nogroup 640" "$(stat -c '%G %a' "$M/g.key")"
am dkim keygen -t ed25519 -k "$M/g2.key" --group 4242 --mode 0600 >/dev/null
check_eq "--group GID --mode 0600" "4242 600" "$(stat -c '%g %a' "$M/g2.key")"
mkdir -p "$T/root/etc"
printf 'root:x:0:\n_rspamd:x:977:\n' >"$T/root/etc/group"
am --root "$T/root" dkim keygen -t ed25519 -k "$M/r.key" --group _rspamd >/dev/null
check_eq "--group with --root: ROOT/etc/group" "977 640" "$(stat -c '%g %a' "$M/r.key")"
am --root "$T/root" dkim keygen -t ed25519 -k "$M/bad.key" --group nogroup >/dev/null 2>&1
check_eq "--group with --root: a host group is unknown there (67)" 67 $?
am dkim keygen -t ed25519 -k "$M/bad.key" --mode 0644 >/dev/null 2>&1
check_eq "--mode 0644 refused (64)" 64 $?
am dkim keygen -t ed25519 -k "$M/bad.key" --group no-such-group >/dev/null 2>&1
check_eq "unknown --group refused (67)" 67 $?
check_fails "... nothing written" test -e "$M/bad.key"
check_eq "no temporary files left" 0 "$(find "$M" -name '*.tmp.*' | wc -l)"

# ---------------------------------------------------------------------------
# Never over an existing file without -f; never through a symlink.
O=$T/overwrite
mkdir "$O"
am dkim keygen -t ed25519 -k "$O/k.key" >/dev/null
cp "$O/k.key" "$O/orig"
out=$(am dkim keygen -t ed25519 -k "$O/k.key" 2>"$O/err")
check_eq "existing key without -f: 73" 73 $?
check_eq "... no record printed" "" "$out"
check "... the key is untouched" cmp "$O/k.key" "$O/orig"
check "... the message says how" grep -q -- '-f replaces it' "$O/err"
check "existing key with -f: replaced" am dkim keygen -t ed25519 -k "$O/k.key" -f
check_fails "... with a new key" cmp -s "$O/k.key" "$O/orig"
check_eq "... mode 0600" 600 "$(stat -c %a "$O/k.key")"

echo "not a key" >"$O/victim"
chmod 644 "$O/victim"
ln -s "$O/victim" "$O/link.key"
ln -s "$O/nowhere" "$O/dangling.key"
for f in "" -f; do
	out=$(am dkim keygen -t ed25519 -k "$O/link.key" $f 2>/dev/null)
	check_eq "symlink at the key path ${f:-without -f}: 73" 73 $?
	check_eq "... no record" "" "$out"
	check_eq "... the link target untouched" "not a key|644" "$(cat "$O/victim")|$(stat -c %a "$O/victim")"
	check "... the link is still a link" test -L "$O/link.key"
	am dkim keygen -t ed25519 -k "$O/dangling.key" $f >/dev/null 2>&1
	check_eq "dangling symlink ${f:-without -f}: 73" 73 $?
	check_fails "... nothing created at its target" test -e "$O/nowhere"
done
am dkim keygen -t ed25519 -k "$O" >/dev/null 2>&1
check_eq "a directory as key path: 73" 73 $?
am dkim keygen -t ed25519 -k "$O/missing/k.key" >/dev/null 2>&1
check_eq "key in a missing directory: 73" 73 $?
mkdir "$O/ro"
chmod 755 "$O/ro"
chmod 755 "$T"
as_nobody archmail dkim keygen \
    -t ed25519 -k "$O/ro/k.key" >/dev/null 2>&1
check_eq "unwritable directory: 77" 77 $?
check_eq "... nothing written" "" "$(ls -A "$O/ro")"
as_nobody archmail dkim record \
    -k "$O/k.key" >/dev/null 2>&1
check_eq "unreadable key file: 77" 77 $?
check_eq "record -k - reads stdin" "$(am dkim record -k "$O/k.key")" \
    "$(am dkim record -k - <"$O/k.key")"

# ---------------------------------------------------------------------------
# A full file system: exit 74, no record, no key, no temporary file.
MNT=$T/full
mkdir "$MNT"
if mount -t tmpfs -o size=16k,mode=0755 tmpfs "$MNT"; then
	dd if=/dev/zero of="$MNT/fill" bs=4k 2>/dev/null
	for t in ed25519 rsa; do
		out=$(am dkim keygen -t "$t" -b 2048 -s s -d archlinux.org -k "$MNT/k.key" 2>"$T/full.err")
		check_eq "full disk, $t: exit 74" 74 $?
		check_eq "full disk, $t: no record printed" "" "$out"
		check_eq "full disk, $t: no key, no temporary file" "fill" "$(ls -A "$MNT")"
		check "full disk, $t: says why" grep -q 'No space left on device' "$T/full.err"
		check_fails "full disk, $t: no key material in the message" grep -q -e PRIVATE -e MII "$T/full.err"
	done
	out=$(am --json dkim keygen -t ed25519 -k "$MNT/k.key" 2>/dev/null)
	check_eq "full disk --json: 74" 74 $?
	check_eq "full disk --json: error code IO" "False IO" "$(echo "$out" | "$PY" -c '
import json, sys; j = json.load(sys.stdin); print(j["ok"], j["error"]["code"])')"
	am dkim convert -k "$D/rsa.pem" --key-format der -O "$MNT/c.der" 2>/dev/null
	check_eq "full disk, convert: 74" 74 $?
	check_eq "full disk, convert: nothing left" "fill" "$(ls -A "$MNT")"
	umount "$MNT"
else
	fail "cannot mount a tmpfs for the full-disk test (run as root)"
fi
MNT=
out=$(am dkim keygen -t ed25519 2>/dev/null >/dev/full)
check_eq "stdout on a full disk: 74" 74 $?

# ---------------------------------------------------------------------------
# Bad input: the right exit status, nothing written, nothing printed.
B=$T/bad
mkdir "$B"
refused() {
	local want=$1 desc=$2 out rc
	shift 2
	out=$(cd "$B" && "$ARCHMAIL" "$@" 2>"$T/bad.err")
	rc=$?
	check_eq "$desc: exit $want" "$want" "$rc"
	check_eq "$desc: nothing on stdout" "" "$out"
	check_eq "$desc: nothing written" "" "$(ls -A "$B")"
	check "$desc: a message" test -s "$T/bad.err"
}
refused 65 "selector with _" dkim keygen -t ed25519 -s dkim_rsa -k k.key
refused 65 "selector with a space" dkim keygen -t ed25519 -s 'dkim rsa' -k k.key
refused 65 "selector with ;" dkim keygen -t ed25519 -s 'x;touch PWNED;y' -k k.key
refused 65 "selector with a newline" dkim keygen -t ed25519 -s "$(printf 'a\nb')" -k k.key
refused 65 "empty selector" dkim keygen -t ed25519 -s '' -k k.key
refused 65 "selector label over 63" dkim keygen -t ed25519 -s "$(printf 'a%.0s' $(seq 64))" -k k.key
refused 65 "domain with a space" dkim keygen -t ed25519 -d 'arch linux.org' -k k.key
refused 65 "domain with _" dkim keygen -t ed25519 -d 'arch_linux.org' -k k.key
refused 65 "one-label domain" dkim keygen -t ed25519 -d localhost -k k.key
refused 65 "domain with an empty label" dkim keygen -t ed25519 -d 'archlinux..org' -k k.key
refused 65 "RSA below 1024 bits" dkim keygen -t rsa -b 512 -k k.key
refused 65 "RSA 1023 bits" dkim keygen -t rsa -b 1023 -k k.key
refused 65 "RSA bits not a multiple of 8" dkim keygen -t rsa -b 2047 -k k.key
refused 65 "RSA above 8192 bits" dkim keygen -t rsa -b 16384 -k k.key
refused 65 "RSA bits not a number" dkim keygen -t rsa -b abc -k k.key
refused 65 "unknown type" dkim keygen -t dsa -k k.key
refused 65 "unknown type ed448" dkim keygen -t ed448 -b 0 -k k.key
refused 64 "unknown option" dkim keygen --bogus -k k.key
refused 64 "missing option argument" dkim keygen -k
refused 64 "unknown output format" dkim keygen -t ed25519 -o dnsx -k k.key
refused 64 "unknown key format" dkim keygen -t ed25519 --key-format jwk -k k.key
refused 64 "rspamd format for RSA" dkim keygen -t rsa --key-format rspamd -k k.key
refused 64 "pkcs1 format for Ed25519" dkim keygen -t ed25519 --key-format pkcs1 -k k.key
refused 64 "--fqdn without -d" dkim keygen -t ed25519 --fqdn -k k.key
out=$(cd "$B" && "$ARCHMAIL" --json dkim keygen -t ed25519 2>/dev/null)
check_eq "--json without -k: 64, JSON error, no key" "64 False USAGE" "$? $(echo "$out" |
    "$PY" -c 'import json,sys; j = json.load(sys.stdin); print(j["ok"], j["error"]["code"])')"
refused 64 "bad --ttl" dkim keygen -t ed25519 --ttl -1 -k k.key
refused 64 "unknown subcommand" dkim frobnicate
refused 64 "record without -k" dkim record
refused 66 "record of a missing key file" dkim record -k nope.key
refused 65 "record of a file that is no key" dkim record -k /etc/hostname
refused 66 "check with a missing record file" dkim check -k "$D/ed25519.pem" -s sel -d example.org --record-file nope
refused 64 "check with both --record and --record-file" dkim check -k "$D/ed25519.pem" -s sel -d example.org --record x --record-file y
check_fails "no PWNED file anywhere" test -e PWNED
check_eq "-t RSA and -t ED25519 are accepted" "rsa ed25519" \
    "$(am dkim keygen -t RSA -b 1024 -o dnskey -k "$T/u1.key" | sed 's/.*k=\([a-z0-9]*\);.*/\1/') $(am dkim keygen -t ED25519 -o dnskey -k "$T/u2.key" | sed 's/.*k=\([a-z0-9]*\);.*/\1/')"

# ---------------------------------------------------------------------------
# check: the published record against the key.
C=$T/check
mkdir "$C"
am dkim keygen -t ed25519 -s dkim-ed25519 -d archlinux.org -k "$C/ed.key" >"$C/ed.zone"
am dkim keygen -t rsa -b 1024 -s dkim-rsa -d archlinux.org -k "$C/rsa.key" >"$C/rsa.zone"
check "check: matching zone record" am dkim check -k "$C/ed.key" -s dkim-ed25519 -d archlinux.org --record-file "$C/ed.zone"
check "check: matching value via --record" am dkim check -k "$C/rsa.key" -s dkim-rsa -d archlinux.org \
    --record "$(am dkim record -k "$C/rsa.key" -o txt)"
check "check: terraform line from stdin" sh -c "'$ARCHMAIL' dkim record -k '$C/rsa.key' -s dkim-rsa -o terraform |
    '$ARCHMAIL' dkim check -k '$C/rsa.key' -s dkim-rsa -d archlinux.org --record-file -"
am dkim check -k "$C/ed.key" -s dkim-rsa -d archlinux.org --record-file "$C/rsa.zone" >"$C/out"
check_eq "check: another key's record: 1" 1 $?
check "... says it does not match" grep -q 'does not match' "$C/out"
am dkim check -k "$C/ed.key" -s dkim-ed25519 -d archlinux.org --record 'v=DKIM1; k=ed25519; p=' >"$C/out"
check_eq "check: revoked record: 1" 1 $?
check "... says revoked" grep -q revoked "$C/out"
am dkim check -k "$C/ed.key" -s other -d archlinux.org --record-file "$C/ed.zone" >"$C/out"
check_eq "check: record of another selector: 1" 1 $?
SPKI=$(openssl pkey -in "$C/ed.key" -pubout -outform DER | base64 -w0)
am dkim check -k "$C/ed.key" -s x -d archlinux.org --record "v=DKIM1; k=ed25519; p=$SPKI" >"$C/out"
check_eq "check: ed25519 SPKI in p=: 1" 1 $?
check "... says so" grep -q SubjectPublicKeyInfo "$C/out"
am --json dkim check -k "$C/rsa.key" -s dkim-rsa -d archlinux.org --record-file "$C/rsa.zone" >"$C/json"
check_eq "check --json: match" "True True 0" "$("$PY" -c '
import json, sys; j = json.load(open(sys.argv[1])); print(j["ok"], j["match"], j["errors"])' "$C/json")"
am --json dkim check -k "$C/rsa.key" -s dkim-rsa -d archlinux.org --record-file "$C/ed.zone" >"$C/json"
check_eq "check --json: mismatch, exit 1" "1 False False MISMATCH" "$?$("$PY" -c '
import json, sys; j = json.load(open(sys.argv[1])); print("", j["ok"], j["match"], j["error"]["code"])' "$C/json")"

# ---------------------------------------------------------------------------
# JSON of keygen: everything but the key.
am --json dkim keygen -t ed25519 -s dkim-ed25519 -d archlinux.org -k "$T/j.key" >"$T/j.json"
check "keygen --json: valid" "$PY" -c '
import json, sys
j = json.load(open(sys.argv[1]))
assert j["ok"] and j["changed"] and j["command"] == "dkim"
assert j["files"] == [{"path": sys.argv[2], "changed": True}]
assert j["key"]["type"] == "ed25519" and j["record"]["name"] == "dkim-ed25519._domainkey.archlinux.org"
' "$T/j.json" "$T/j.key"
check_fails "keygen --json: no private key in it" grep -q -e PRIVATE \
    -e "$(sed -n 2p "$T/j.key" | cut -c1-40)" "$T/j.json"
check_eq "keygen --json: p= is the key's" "$(openssl_p "$T/j.key" PEM)" \
    "$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["record"]["public_key"])' "$T/j.json")"

# ---------------------------------------------------------------------------
# --dry-run and --check (archmail-dkim(8), DRY RUNS): every check of a
# real run, nothing written (not even a temporary file: the directory's
# own mtime is part of the listing), the key file described in the diff
# but never shown, one schema-valid JSON object.
SCHEMA=$PWD/schema/archmail-result.schema.json
VALIDATE=$PWD/tests/lib/validate_json.py
if ! "$PY" -c 'import jsonschema; jsonschema.Draft202012Validator' \
    2>/dev/null; then
	echo "FAIL: python3-jsonschema (Draft 2020-12) is missing" >&2
	exit 1
fi
DR=$T/dry
mkdir "$DR"
# listing: every entry of $DR with size, mode, mtime and content hash.
listing() {
	find "$DR" -printf '%p %y %s %m %T@\n' | sort
	find "$DR" -type f -print0 | sort -z | xargs -0 -r sha256sum
}
# jrun FILE ARGS...: archmail --json ARGS > FILE; rc; FILE must be one
# object valid against the result schema (KEY=VALUE lines in FILE.jv).
jrun() {
	local f=$1
	shift
	"$ARCHMAIL" --json "$@" >"$f" 2>"$f.err"
	rc=$?
	if "$PY" "$VALIDATE" "$SCHEMA" "$f" >"$f.jv" 2>"$f.jverr"; then
		pass "one schema-valid JSON object: $*"
	else
		fail "one schema-valid JSON object: $*"
		sed 's/^/  /' "$f.jverr" >&2
	fi
}
# jm FILE KEY: a top-level member of FILE's object, as compact JSON.
jm() { sed -n "s/^$2=//p" "$1.jv"; }

l0=$(listing)
out=$(am dkim keygen -t ed25519 -s s1 -d archlinux.org -k "$DR/k.key" --dry-run 2>"$DR.err")
check_eq "keygen --dry-run: exit 0" 0 $?
check_eq "keygen --dry-run: nothing written, directory as it was" "$l0" "$(listing)"
check_eq "keygen --dry-run: the diff of a new file, contents described" \
    "--- /dev/null|+++ $DR/k.key|@@ -0,0 +1 @@|+<private key: ed25519, pem, mode 0600>" \
    "$(head -n 4 <<<"$out" | paste -sd '|')"
check "keygen --dry-run: says no record yet" grep -q 'record is printed once the key exists' <<<"$out"
check_fails "keygen --dry-run: no key material" grep -q -e PRIVATE -e 'p=' <<<"$out"

jrun "$DR.json" dkim keygen -t rsa -b 2048 -s s1 -d archlinux.org -k "$DR/k.key" --dry-run --group 0
check_eq "keygen --json --dry-run: exit 0" 0 "$rc"
check_eq "... changed false, would_change true" "false true" \
    "$(jm "$DR.json" changed) $(jm "$DR.json" would_change)"
check_eq "... files[]: the key file, changed false" "$(printf 'false\t%s' "$DR/k.key")" \
    "$(sed -n 's/^file\t//p' "$DR.json.jv")"
check_eq "... the diff describes the key" \
    "\"--- /dev/null\\n+++ $DR/k.key\\n@@ -0,0 +1 @@\\n+<private key: rsa 2048 bits, pem, mode 0640, group 0>\\n\"" \
    "$(jm "$DR.json" diff)"
check_fails "... no PRIVATE KEY anywhere" grep -q 'PRIVATE KEY' "$DR.json"
check_eq "... key member, no record member (no key yet)" \
    '{"path":"'"$DR"'/k.key","type":"rsa","bits":2048,"format":"pem","vault":false}|' \
    "$(jm "$DR.json" key)|$(jm "$DR.json" record)"
check_eq "keygen --json --dry-run: nothing written" "$l0" "$(listing)"

am dkim keygen -t ed25519 -k "$DR/k.key" --check >/dev/null 2>&1
check_eq "keygen --check: exit 1 (a key would be written)" 1 $?
jrun "$DR.json" dkim keygen -t ed25519 -k "$DR/k.key" --check
check_eq "keygen --json --check: exit 1, ok, would_change" "1 true true" \
    "$rc $(jm "$DR.json" ok) $(jm "$DR.json" would_change)"
check_eq "keygen --check: nothing written" "$l0" "$(listing)"

# Refusals: the real run's exit status and message, nothing written.
am dkim keygen -t ed25519 -k "$DR/k.key" -q --dry-run -k - >"$DR.out" 2>/dev/null
check_eq "keygen -k - --dry-run: usage error 64" 64 $?
check_eq "... no key on stdout" "" "$(cat "$DR.out")"
am dkim keygen -t ed25519 --check >"$DR.out" 2>/dev/null
check_eq "keygen without -k --check: usage error 64" 64 $?
check_eq "... no key on stdout" "" "$(cat "$DR.out")"
ln -s "$DR/nowhere" "$DR/link.key"
# An empty file is no key this run would write: still an existing file.
: >"$DR/empty.key"
chmod 600 "$DR/empty.key"
mkdir "$DR/ro"
chmod 755 "$DR/ro"
l0=$(listing)
for args in "-k $DR/link.key" "-k $DR/link.key -f" "-k $DR/missing/k.key" \
    "-k $DR/empty.key" \
    "-k $DR/ro" "-k $DR/k.key --group no-such-group" \
    "-k $DR/k.key -s bad_selector" "-k $DR/k.key -b 1000 -t rsa" \
    "-k $DR/k.key --key-format pkcs1"; do
	read -r -a a <<<"$args"
	am dkim keygen -t ed25519 "${a[@]}" >/dev/null 2>"$DR.real.err"
	want=$?
	am dkim keygen -t ed25519 "${a[@]}" --dry-run >"$DR.out" 2>"$DR.dry.err"
	check_eq "keygen $args --dry-run: the real run's exit $want" "$want" $?
	check_fails "... which is a refusal" test "$want" = 0
	check_eq "... and its message" "$(cat "$DR.real.err")" "$(cat "$DR.dry.err")"
	check_eq "... nothing on stdout" "" "$(cat "$DR.out")"
	check_eq "... nothing written" "$l0" "$(listing)"
done
chmod 755 "$T"
as_nobody archmail dkim keygen -t ed25519 -k "$DR/ro/k.key" --dry-run >/dev/null 2>&1
check_eq "keygen --dry-run into an unwritable directory: 77, as a real run" 77 $?
check_eq "... nothing written" "$l0" "$(listing)"

# An existing key: without -f the same refusal (73); with -f the diff
# replaces it, neither side shown, and the key stays as it was.
am dkim keygen -t ed25519 -k "$DR/k.key" >/dev/null
cp "$DR/k.key" "$DR.orig"
l0=$(listing)
am dkim keygen -t ed25519 -k "$DR/k.key" >/dev/null 2>&1
check_eq "existing key, real run without -f: 73" 73 $?
am dkim keygen -t ed25519 -k "$DR/k.key" --dry-run >"$DR.out" 2>/dev/null
check_eq "existing key, --dry-run without -f: 73 too" 73 $?
check_eq "... nothing on stdout" "" "$(cat "$DR.out")"
am dkim keygen -t ed25519 -k "$DR/k.key" --check >/dev/null 2>&1
check_eq "existing key, --check without -f: 73 too" 73 $?
out=$(am dkim keygen -t ed25519 -k "$DR/k.key" -f --dry-run)
check_eq "existing key, -f --dry-run: exit 0" 0 $?
check_eq "... the diff replaces the file, neither side shown" \
    "--- $DR/k.key|+++ $DR/k.key|@@ -1 +1 @@|-<old contents: not shown>|+<new private key: ed25519, pem, mode 0600>" \
    "$(head -n 5 <<<"$out" | paste -sd '|')"
check_fails "... no key material" grep -q -e PRIVATE -e "$(sed -n 2p "$DR.orig" | cut -c1-20)" <<<"$out"
check "... the key is untouched" cmp "$DR/k.key" "$DR.orig"
check_eq "... nothing written" "$l0" "$(listing)"

# Real runs through the same result: the record alone on stdout (as
# "dkim record" prints it), files[] with changed true.
out=$(am dkim keygen -t ed25519 -s s1 -d archlinux.org -k "$DR/r.key")
check_eq "keygen: stdout is the record, nothing else" \
    "$(am dkim record -k "$DR/r.key" -s s1 -d archlinux.org)" "$out"
jrun "$DR.json" dkim keygen -t ed25519 -k "$DR/j.key"
check_eq "keygen --json: exit 0, changed, no would_change" "0 true " \
    "$rc $(jm "$DR.json" changed) $(jm "$DR.json" would_change)"
check_eq "... files[]: the key, changed true" "$(printf 'true\t%s' "$DR/j.key")" \
    "$(sed -n 's/^file\t//p' "$DR.json.jv")"
check "... a record member" test -n "$(jm "$DR.json" record)"

# convert: the key converted in memory and compared with OUT.
l0=$(listing)
out=$(am dkim convert -k "$DR/j.key" --key-format der -O "$DR/j.der" --dry-run)
check_eq "convert --dry-run: exit 0" 0 $?
check_eq "... the diff of a new file, described" \
    "--- /dev/null|+++ $DR/j.der|@@ -0,0 +1 @@|+<private key: ed25519, der, mode 0600>|$DR/j.der: would be written (ed25519, der)" \
    "$(paste -sd '|' <<<"$out")"
check_eq "... nothing written" "$l0" "$(listing)"
am dkim convert -k "$DR/j.key" --key-format der -O "$DR/j.der" --check >/dev/null
check_eq "convert --check (pending): exit 1" 1 $?
jrun "$DR.json" dkim convert -k "$DR/j.key" --key-format der -O "$DR/j.der" --dry-run
check_eq "convert --json --dry-run: changed false, would_change true" \
    "0 false true" "$rc $(jm "$DR.json" changed) $(jm "$DR.json" would_change)"
check_fails "... no PRIVATE KEY in it" grep -q 'PRIVATE KEY' "$DR.json"
check_eq "... nothing written" "$l0" "$(listing)"
am dkim convert -k "$DR/j.key" --key-format der -O - --dry-run >"$DR.out" 2>/dev/null
check_eq "convert -O - --dry-run: usage error 64" 64 $?
check_eq "... no key on stdout" "" "$(cat "$DR.out")"
am dkim convert -k "$DR/no-such.key" --key-format der -O "$DR/j.der" --dry-run 2>/dev/null
check_eq "convert --dry-run of a missing key: 66, as a real run" 66 $?
jrun "$DR.json" dkim convert -k "$DR/j.key" --key-format der -O "$DR/j.der"
check_eq "convert --json: exit 0, changed" "0 true" "$rc $(jm "$DR.json" changed)"
check_eq "... files[]: OUT, changed true" "$(printf 'true\t%s' "$DR/j.der")" \
    "$(sed -n 's/^file\t//p' "$DR.json.jv")"
l1=$(listing)
jrun "$DR.json" dkim convert -k "$DR/j.key" --key-format der -O "$DR/j.der"
check_eq "convert --json again: changed false, files[] false" \
    "0 false $(printf 'false\t%s' "$DR/j.der")" \
    "$rc $(jm "$DR.json" changed) $(sed -n 's/^file\t//p' "$DR.json.jv")"
jrun "$DR.json" dkim convert -k "$DR/j.key" --key-format der -O "$DR/j.der" --dry-run
check_eq "convert --dry-run, OUT holds it: would_change false, empty diff" \
    '0 false ""' "$rc $(jm "$DR.json" would_change) $(jm "$DR.json" diff)"
out=$(am dkim convert -k "$DR/j.key" --key-format der -O "$DR/j.der" --check)
check_eq "convert --check, OUT holds it: exit 0, unchanged" \
    "0|$DR/j.der: unchanged, it already holds this key (ed25519, der)" \
    "$?|$out"
am dkim convert -k "$DR/j.key" --key-format pem -O "$DR/j.der" >/dev/null 2>&1
check_eq "convert over a different file, real run without -f: 73" 73 $?
am dkim convert -k "$DR/j.key" --key-format pem -O "$DR/j.der" --dry-run >/dev/null 2>&1
check_eq "convert over a different file, --dry-run without -f: 73 too" 73 $?
out=$(am dkim convert -k "$DR/j.key" --key-format pem -O "$DR/j.der" -f --check)
check_eq "convert -f --check over a different file: exit 1" 1 $?
check_eq "... the diff replaces it, neither side shown" \
    "--- $DR/j.der|+++ $DR/j.der|@@ -1 +1 @@|-<old contents: not shown>|+<private key: ed25519, pem, mode 0600>" \
    "$(head -n 5 <<<"$out" | paste -sd '|')"
check_eq "... nothing written" "$l1" "$(listing)"

check "dkim --help" am dkim --help
check "dkim keygen --help" am dkim keygen --help
finish
