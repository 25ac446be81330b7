#!/bin/bash
# Edits in O(change) (archmail-users(8), TABLE UPDATES): on a current table
# (mtime strictly newer than its source) users add/remove, alias
# add/remove, users apply and relay add put or delete just their records
# in the live table, in place (same inode: no rebuild renamed a new file
# over it).  Real postmap -s / postalias -s of that table must equal a
# full rebuild of the same source by real postmap / postalias.  A stale
# table (a hand edit without postmap) is rebuilt in full and the command
# says so.  SIGKILL between the source's rename and the table's commit
# (strace fault injection at LMDB's first fdatasync) leaves a table older
# than its source; the next edit rebuilds it and the result equals the
# full rebuild.
# usage (from the repository root): bash tests/cli/incremental.sh ARCHMAIL
. tests/testlib.sh
. tests/lib/relay_root.bash

for tool in postmap postalias strace python3; do
	require_tool "$tool" || { finish; exit 1; }
done
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"

R=$T/root
make_root "$R"
PF=$R/etc/postfix
U=$PF/users
A=$PF/aliases
cp "$PFCONF/main.cf" "$PF/main.cf"
grep -q '^bob:' "$R/etc/passwd" ||
	echo 'bob:x:1001:1001::/home/bob:/bin/sh' >>"$R/etc/passwd"
{
	echo '# Staff'
	for i in $(seq 1 300); do printf 's%03d@archlinux.org\tbob\n' "$i"; done
	echo
	echo '# Developers'
	printf 'a@archlinux.org\tbob\nm@archlinux.org\tbob\nz@archlinux.org\tbob\n'
	printf 'multi@archlinux.org\tbob,\n\talice@example.org\n'
} >"$U"
printf 'postmaster: root\nabuse: postmaster\n' >"$A"

am() { "$ARCHMAIL" --root "$R" --lock-timeout 5 "$@"; }
inode() { stat -c %i "$1"; }
mtime() { stat -c %.9Y "$1"; }
# Source older than its table: the table is current.
make_current() {
	touch -d '-1 minute' "$1"
	touch "$1.lmdb"
}
# The records of a table as real Postfix lists them, sorted; without
# postalias's time stamp.
records() {
	"$1" -c "$PF" -s "lmdb:$2" | grep -v '^YP_LAST_MODIFIED' | LC_ALL=C sort
}
# The same source rebuilt in full by real Postfix, in a copy.
rebuilt() {
	mkdir -p "$T/full"
	cp "$2" "$T/full/src"
	"$1" -c "$PF" "lmdb:$T/full/src"
	records "$1" "$T/full/src"
	rm -f "$T/full/src" "$T/full/src.lmdb"
}
same_as_rebuild() {
	check_eq "$1: $3 -s equals the full rebuild's" "$(rebuilt "$3" "$2")" \
	    "$(records "$3" "$2")"
}
newer() { python3 -c 'import os, sys
sys.exit(0 if os.stat(sys.argv[1]).st_mtime_ns > os.stat(sys.argv[2]).st_mtime_ns else 1)' "$1" "$2"; }

postmap -c "$PF" "lmdb:$U"
postalias -c "$PF" "lmdb:$A"

# --- users add / remove on a current table --------------------------------
make_current "$U"
ino=$(inode "$U.lmdb")
out=$(am users add new@archlinux.org bob --category staff 2>&1)
check_eq "users add: exit 0" 0 $?
check "users add: says table updated" grep -q 'table updated' <<<"$out"
check_eq "users add: the table was updated in place" "$ino" "$(inode "$U.lmdb")"
check "users add: table newer than its source" newer "$U.lmdb" "$U"
same_as_rebuild "users add" "$U" postmap
check_eq "users add: postmap -q" bob "$(postmap -c "$PF" -q new@archlinux.org "lmdb:$U")"

out=$(am --json users add b@archlinux.org bob,carol@example.org --category developers 2>&1)
check "users add --json: \"table\":\"updated\"" grep -q '"table":"updated"' <<<"$out"
same_as_rebuild "users add into a sorted category" "$U" postmap
out=$(am users add s001@archlinux.org carol@example.org --replace 2>&1)
check "users add --replace: table updated" grep -q 'table updated' <<<"$out"
same_as_rebuild "users add --replace" "$U" postmap
out=$(am users add multi@archlinux.org bob --replace 2>&1)
check "replace of a continued entry: table updated" grep -q 'table updated' <<<"$out"
same_as_rebuild "replace of a continued entry" "$U" postmap
out=$(am users remove s150@archlinux.org 2>&1)
check "users remove: table updated" grep -q 'table updated' <<<"$out"
check_eq "users remove: in place" "$ino" "$(inode "$U.lmdb")"
same_as_rebuild "users remove" "$U" postmap
check_fails "users remove: postmap -q finds nothing" \
    postmap -c "$PF" -q s150@archlinux.org "lmdb:$U"
out=$(am users add Mixed.Case@ArchLinux.org bob --category staff 2>&1)
same_as_rebuild "users add of a mixed-case key" "$U" postmap

# --- users apply --------------------------------------------------------------
printf '%s\n' \
    '{"action":"add","address":"b1@archlinux.org","destination":"bob","category":"Developers"}' \
    '{"action":"remove","address":"s010@archlinux.org"}' \
    '{"action":"add","address":"s011@archlinux.org","destination":["bob","x@example.org"],"replace":true}' \
    '{"action":"add","address":"b2@archlinux.org","destination":"bob","category":"Staff","note":"a note","date":true}' \
    '{"action":"remove","address":"b2@archlinux.org"}' >"$T/batch"
out=$(am users apply "$T/batch" 2>&1)
check_eq "users apply: exit 0" 0 $?
check "users apply: table updated" grep -q 'table updated' <<<"$out"
check_eq "users apply: in place" "$ino" "$(inode "$U.lmdb")"
same_as_rebuild "users apply" "$U" postmap

# --- alias add / remove / apply ----------------------------------------------
make_current "$A"
aino=$(inode "$A.lmdb")
out=$(am alias add security root,postmaster 2>&1)
check "alias add: table updated" grep -q 'table updated' <<<"$out"
check_eq "alias add: in place" "$aino" "$(inode "$A.lmdb")"
same_as_rebuild "alias add" "$A" postalias
out=$(am alias remove abuse 2>&1)
check "alias remove: table updated" grep -q 'table updated' <<<"$out"
same_as_rebuild "alias remove" "$A" postalias
printf '%s\n' '{"action":"add","name":"abuse","value":["postmaster"]}' \
    '{"action":"add","name":"hostmaster","value":"root"}' |
	am alias apply - >/dev/null 2>&1
check_eq "alias apply: in place" "$aino" "$(inode "$A.lmdb")"
same_as_rebuild "alias apply" "$A" postalias

# --- relay add: the sender map -------------------------------------------------
SM=$PF/smtp_sender_map
am relay add one.archlinux.org --generate --client-file "$R/root/c1" \
    >/dev/null 2>&1
check_eq "relay add (first): exit 0" 0 $?
make_current "$SM"
sino=$(inode "$SM.lmdb")
am relay add two.archlinux.org --generate --client-file "$R/root/c2" \
    >/dev/null 2>&1
check_eq "relay add: exit 0" 0 $?
check_eq "relay add: the sender map's table updated in place" "$sino" \
    "$(inode "$SM.lmdb")"
check "relay add: sender table newer than its source" newer "$SM.lmdb" "$SM"
same_as_rebuild "relay add" "$SM" postmap
check_eq "relay add: postmap -q @two.archlinux.org" two \
    "$(postmap -c "$PF" -q @two.archlinux.org "lmdb:$SM")"

# --- a stale table is rebuilt in full, and says so ----------------------------
printf 'hand@archlinux.org\tbob\n' >>"$U"	# no postmap
touch -d '+1 second' "$U"
out=$(am users add after@archlinux.org bob --category staff 2>&1)
check "stale: says rebuilt and why" grep -q \
    'table rebuilt (it was not newer than its source)' <<<"$out"
check "stale: a new table file (rebuilt, renamed)" test "$ino" != "$(inode "$U.lmdb")"
same_as_rebuild "stale table" "$U" postmap
check_eq "stale: the hand edit is in the table" bob \
    "$(postmap -c "$PF" -q hand@archlinux.org "lmdb:$U")"
out=$(am --json users add after2@archlinux.org bob --category staff 2>&1)
check "after the rebuild the next edit is in place again" grep -q \
    '"table":"updated"' <<<"$out"
touch -d '+2 second' "$U"
out=$(am --json users remove after2@archlinux.org 2>&1)
check "stale, --json: table_stale and table rebuilt" grep -q \
    '"table_stale":"not newer than its source","table":"rebuilt"' <<<"$out"
same_as_rebuild "stale table, remove" "$U" postmap

# --- SIGKILL between the source step and the table step -------------------------
make_current "$U"
ino=$(inode "$U.lmdb")
(strace -f -o /dev/null -e inject=fdatasync:signal=SIGKILL:when=1 \
    "$ARCHMAIL" --root "$R" users add killed@archlinux.org bob \
    --category staff >/dev/null 2>&1
exit $?) 2>/dev/null
check_eq "killed: exit 137" 137 $?
check "killed: the source has the entry" grep -q '^killed@archlinux.org' "$U"
check_fails "killed: the table does not" \
    postmap -c "$PF" -q killed@archlinux.org "lmdb:$U"
check "killed: the update is marked unfinished" test -e "$U.lmdb.pending"
out=$(am users add next@archlinux.org bob --category staff 2>&1)
check_eq "next edit: exit 0" 0 $?
check "next edit: rebuilt in full, says why" grep -q \
    'table rebuilt (it was left by an interrupted update)' <<<"$out"
check_fails "next edit: the marker is gone" test -e "$U.lmdb.pending"
same_as_rebuild "after the kill and the next edit" "$U" postmap
check_eq "after the kill: the killed run's entry is in the table" bob \
    "$(postmap -c "$PF" -q killed@archlinux.org "lmdb:$U")"

# The same for a batch.
make_current "$U"
printf '%s\n' '{"action":"add","address":"k1@archlinux.org","destination":"bob","category":"Staff"}' \
    '{"action":"remove","address":"s020@archlinux.org"}' >"$T/kbatch"
(strace -f -o /dev/null -e inject=fdatasync:signal=SIGKILL:when=1 \
    "$ARCHMAIL" --root "$R" users apply "$T/kbatch" >/dev/null 2>&1
exit $?) 2>/dev/null
check_eq "batch killed: exit 137" 137 $?
check_fails "batch killed: the table lacks k1" \
    postmap -c "$PF" -q k1@archlinux.org "lmdb:$U"
printf '%s\n' '{"action":"remove","address":"s021@archlinux.org"}' |
	am users apply - >/dev/null 2>&1
same_as_rebuild "batch: after the kill and the next apply" "$U" postmap

finish
