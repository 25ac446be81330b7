#!/bin/bash
# Failure behaviour of table builds: whatever goes wrong (a killed process,
# a full disk, bad input, a held lock), the previous table stays readable
# and byte-for-byte what it was, the new one is never half-written, and the
# command says what happened and exits 1 (Postfix's status for postmap).
. tests/testlib.sh

PM() { "$ARCHMAIL" postmap -c "$PFCONF" "$@"; }

cd "$T"

# --- killed at many points ------------------------------------------------
# (The binary runs directly in the background, not through PM: "$!" of a
# backgrounded shell function is the subshell, and killing it would leave
# archmail running.)
python3 - <<'PY'
import random
random.seed(7)
with open("old", "w") as f:
    for i in range(150000):
        f.write("user%d@example.org old%d\n" % (i, i))
with open("new", "w") as f:
    for i in range(150000):
        f.write("user%d@example.org new%d\n" % (i, i))
PY
cp old kill
check "initial build" PM lmdb:kill
cp kill.lmdb kill.lmdb.orig
cp new kill
killed=0
for delay in 0 0.002 0.005 0.01 0.02 0.03 0.05 0.07 0.1 0.13 0.16 0.2 0.25 0.3 0.4 0.5; do
	"$ARCHMAIL" postmap -c "$PFCONF" lmdb:kill & pid=$!
	sleep "$delay"
	kill -KILL "$pid" 2>/dev/null && killed=$((killed + 1))
	wait "$pid" 2>/dev/null
	v=$(postmap -c "$PFCONF" -q user4242@example.org lmdb:kill)
	case $v in
	old4242 | new4242) ;;
	*) fail "after SIGKILL at ${delay}s the table answered \"$v\"" ;;
	esac
	[ "$v" = old4242 ] && ! cmp -s kill.lmdb kill.lmdb.orig &&
		fail "after SIGKILL at ${delay}s the old table changed"
done
check "the build was killed at several points ($killed)" test "$killed" -ge 5
wait
check "a later build succeeds" PM lmdb:kill
check_eq "and gives the new table" new4242 \
	"$(postmap -c "$PFCONF" -q user4242@example.org lmdb:kill)"
check_eq "temporary files of killed builds are gone" "" \
	"$(ls | grep 'kill.lmdb.tmp' || true)"

# SIGTERM removes the temporary file at once.
cp old kill
"$ARCHMAIL" postmap -c "$PFCONF" lmdb:kill & pid=$!
sleep 0.05
kill -TERM "$pid"
wait "$pid" 2>/dev/null
check_eq "SIGTERM leaves no temporary file" "" \
	"$(ls | grep 'kill.lmdb.tmp' || true)"

# --- full file system -------------------------------------------------------
mkdir full
if mount -t tmpfs -o size=1m tmpfs full 2>/dev/null; then
	trap 'umount "$T/full" 2>/dev/null; rm -rf "$T"' EXIT
	printf 'a@example.org 1\nb@example.org 2\n' > full/map
	check "build on the small file system" PM lmdb:full/map
	cp full/map.lmdb before.lmdb
	python3 -c '
for i in range(12000):
    print("key%06d@example.org %s" % (i, "v" * 40))' > full/map
	# The source fits; the table (about twice its size) does not.
	PM lmdb:full/map 2> err.txt
	check_eq "full disk: exit status 1" 1 $?
	check "full disk: the message says so" grep -q "No space left on device" err.txt
	check "full disk: the old table is byte-for-byte intact" cmp before.lmdb full/map.lmdb
	check_eq "full disk: no temporary file left" "" "$(ls full | grep tmp || true)"
	umount full
else
	fail "cannot mount a tmpfs (the test needs root)"
fi

# --- bad input changes nothing ----------------------------------------------
printf 'k1 v1\n' > good
check "build good" PM lmdb:good
cp good.lmdb good.lmdb.orig

PM lmdb:nosuch 2> err.txt
check_eq "missing source: exit 1" 1 $?
check "missing source: message" grep -q "open nosuch: No such file or directory" err.txt
check "missing source: no table created" test ! -e nosuch.lmdb

mkdir srcdir
PM lmdb:srcdir 2> err.txt
check_eq "directory as source: exit 1" 1 $?
check "directory as source: message" grep -q "Is a directory" err.txt

printf 'k v\n' > dirtable
mkdir dirtable.lmdb
PM lmdb:dirtable 2> err.txt
check_eq "directory as table: exit 1" 1 $?
check "directory as table: message" grep -q "dirtable.lmdb: Is a directory" err.txt
check "directory as table: still an empty directory" test -d dirtable.lmdb
check_eq "directory as table: nothing inside" "" "$(ls dirtable.lmdb)"

PM hash:good 2> err.txt
check_eq "hash: type refused, exit 1" 1 $?
check "hash: message names the type and lmdb" grep -q "unsupported dictionary type: hash.*lmdb:good" err.txt
check "hash: no file written" test ! -e good.db

python3 -c 'print("k1 v1"); print("a" * 511 + " long")' > good
PM lmdb:good 2> err.txt
check_eq "511-byte key: exit 1" 1 $?
check "511-byte key: message names the line" grep -q "good, line 2: key of 511 bytes" err.txt
check "511-byte key: table untouched" cmp good.lmdb good.lmdb.orig
python3 -c 'print("k1 v1"); print("a" * 510 + " long")' > good
check "510-byte key builds" PM lmdb:good
printf 'k1 v1\n' > good
PM lmdb:good

cp good.lmdb good.lmdb.orig
printf 'k1 v1\nbroken\n' > good
PM --strict lmdb:good 2> err.txt
check_eq "--strict with a warning: exit 1" 1 $?
check "--strict: the warning is printed with its line" grep -q "good, line 2: expected format" err.txt
check "--strict: table untouched" cmp good.lmdb good.lmdb.orig

PM -d k1 lmdb:missing 2> err.txt
check_eq "-d on a missing table: exit 1" 1 $?
check "-d on a missing table creates nothing" test ! -e missing.lmdb

# Unreadable source, for a user who may not read it.
printf 'secret v\n' > private
chmod 600 private
chmod 755 "$T"
as_nobody archmail postmap -c "$PFCONF" lmdb:"$T/private" 2> err.txt
check_eq "unreadable source: exit 1" 1 $?
check "unreadable source: message" grep -q "Permission denied" err.txt
check "unreadable source: no table" test ! -e private.lmdb

# --- a held lock ------------------------------------------------------------
printf 'k1 v1\n' > good
PM lmdb:good
python3 - "$T/good.lmdb" <<'PY' & holder=$!
import fcntl, sys, time
f = open(sys.argv[1], "r+b")
fcntl.lockf(f, fcntl.LOCK_EX)
open(sys.argv[1] + ".held", "w").close()
time.sleep(5)
PY
while [ ! -e good.lmdb.held ]; do sleep 0.05; done
start=$(date +%s)
"$ARCHMAIL" --lock-timeout 1 postmap -c "$PFCONF" -d k1 lmdb:good 2> err.txt
check_eq "held lock: -d gives up with exit 1" 1 $?
check "held lock: message" grep -q "lock.*held by another process" err.txt
check "held lock: gave up after about a second" test $(($(date +%s) - start)) -le 3
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null
check_eq "held lock: the key is still there" v1 "$(PM -q k1 lmdb:good)"

# --- output errors ----------------------------------------------------------
PM -s lmdb:good > /dev/full 2> err.txt
check_eq "stdout on a full device: exit 1" 1 $?
check "stdout on a full device: message" grep -q "write error on stdout" err.txt

# --- a library that cannot be loaded -----------------------------------------
# ICU and libcrypto are loaded at run time; hidden (an empty file bound over
# them in a private mount namespace) they give a message naming the library
# and the loader's reason, never a crash or a bare "cannot case-fold".
command -v unshare >/dev/null || fail "unshare (util-linux) is missing"
hide() {
	local lib=$1
	shift
	lib=$(ldconfig -p | awk -v l="$lib" '$1 == l && /x86-64/ { print $NF; exit }')
	[ -n "$lib" ] || { fail "$1: library not found by ldconfig"; return 1; }
	unshare -m sh -c 'mount --make-rprivate / && mount --bind /dev/null "$1" &&
	    shift && exec "$@"' sh "$lib" "$@"
}
printf 'Stra\303\237e v\n' > icu
hide libicuuc.so.72 "$ARCHMAIL" postmap -c "$PFCONF" lmdb:icu 2> err.txt
check_eq "ICU hidden: non-ASCII key fails the build" 1 $?
check "... the message names ICU and the loader's reason" \
    grep -q "cannot case-fold key .*cannot load ICU's libicuuc.so.72 (for Unicode case folding): .*libicuuc.so.72" err.txt
check "... and no table" test ! -e icu.lmdb
printf 'ascii v\n' > ascii
hide libicuuc.so.72 "$ARCHMAIL" postmap -c "$PFCONF" lmdb:ascii 2> err.txt
check_eq "ICU hidden: ASCII keys need no ICU" 0 $?
hide libcrypto.so.3 "$ARCHMAIL" dkim keygen -t ed25519 -k "$T/k.key" \
    > out.txt 2> err.txt
check_eq "libcrypto hidden: dkim keygen exits 78" 78 $?
check "... naming OpenSSL's library and the reason" \
    grep -q "cannot load OpenSSL's libcrypto.so.3: .*libcrypto.so.3" err.txt
check "... and writes no key" test ! -e "$T/k.key"

finish
