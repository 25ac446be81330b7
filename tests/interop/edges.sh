#!/bin/bash
# Command-line and file-handling edges where archmail does what real
# Postfix 3.7 does: each case runs both tools on the same input and
# compares exit status, the essential message and the records.
#
#	tests/interop/edges.sh ARCHMAIL_BINARY	(from the repo root)
. tests/testlib.sh "$1"
. tests/interop/interop_lib.bash

# Postfix's tools under their own names: archmail behaves as postmap,
# postalias and newaliases when invoked by those names.
BIN=$T/bin
mkdir -p "$BIN"
for name in postmap postalias newaliases; do
	ln -s "$ARCHMAIL" "$BIN/$name"
done

# both DIR CMD ARGS...: run archmail's CMD and Postfix's CMD in DIR/am and
# DIR/pf (prepared by the caller); exit codes in DIR/{am,pf}.rc, output in
# DIR/{am,pf}.{out,err}; standard input from $IN (or /dev/null), main.cf
# from $CONF (or $PFCONF).
both() {
	local dir=$1 cmd=$2
	shift 2
	(cd "$dir/am" && "$BIN/$cmd" -c "${CONF:-$PFCONF}" "$@" \
	    >"$dir/am.out" 2>"$dir/am.err" <"${IN:-/dev/null}")
	echo $? >"$dir/am.rc"
	(cd "$dir/pf" && "/usr/sbin/$cmd" -c "${CONF:-$PFCONF}" "$@" \
	    >"$dir/pf.out" 2>"$dir/pf.err" <"${IN:-/dev/null}")
	echo $? >"$dir/pf.rc"
}

same_rc() {
	check_eq "$1: exit code" "$(cat "$2/pf.rc")" "$(cat "$2/am.rc")"
}

# prepare NAME FILE CONTENT...: $T/NAME/{am,pf}/FILE with CONTENT.
prepare() {
	local name=$1 file=$2 side
	shift 2
	for side in am pf; do
		mkdir -p "$T/$name/$side"
		printf "$@" >"$T/$name/$side/$file"
	done
	D=$T/$name
}

# 8. A file at TABLE.lmdb that LMDB cannot open is left alone.
for tool in postmap postalias; do
	prepare "notlmdb-$tool" src 'a b\n'
	for side in am pf; do
		printf 'not an LMDB file\n' >"$D/$side/src.lmdb"
	done
	both "$D" "$tool" lmdb:src
	same_rc "$tool over a non-LMDB src.lmdb" "$D"
	check_eq "$tool over a non-LMDB src.lmdb: exit code 1" 1 \
	    "$(cat "$D/am.rc")"
	check_eq "$tool over a non-LMDB src.lmdb: file left" \
	    "not an LMDB file" "$(cat "$D/am/src.lmdb")"
	check "$tool over a non-LMDB src.lmdb: Postfix says MDB_INVALID" \
	    grep -q "fatal: open database src.lmdb: MDB_INVALID" "$D/pf.err"
	check "$tool over a non-LMDB src.lmdb: archmail says MDB_INVALID" \
	    grep -q "fatal: open database src.lmdb: MDB_INVALID" "$D/am.err"
done
# An empty file is rebuilt by both.
prepare emptydb src 'a b\n'
: >"$D/am/src.lmdb"
: >"$D/pf/src.lmdb"
both "$D" postmap lmdb:src
same_rc "postmap over an empty src.lmdb" "$D"
check_eq "postmap over an empty src.lmdb: records" \
    "$(records "$D/pf/src.lmdb")" "$(records "$D/am/src.lmdb")"

# 6. Options end at the first operand (POSIX getopt): "-n" after the
# table is a second table, which does not exist; the first is built as
# without -n (keys with their NUL).
for tool in postmap postalias; do
	prepare "optafter-$tool" src 'k v\n'
	both "$D" "$tool" lmdb:src -n
	same_rc "$tool lmdb:src -n" "$D"
	check_eq "$tool lmdb:src -n: exit code 1" 1 "$(cat "$D/am.rc")"
	check "$tool lmdb:src -n: Postfix opens -n as a file" \
	    grep -q "fatal: open -n: No such file" "$D/pf.err"
	check "$tool lmdb:src -n: archmail opens -n as a file" \
	    grep -q "fatal: open -n: No such file" "$D/am.err"
	check_eq "$tool lmdb:src -n: the first table as without -n" \
	    "$(records "$D/pf/src.lmdb")" "$(records "$D/am/src.lmdb")"
done
prepare optafter-q src 'k v\n'
both "$D" postmap lmdb:src
both "$D" postmap -q k lmdb:src -n
same_rc "postmap -q k lmdb:src -n" "$D"
check_eq "postmap -q k lmdb:src -n: answer" "$(cat "$D/pf.out")" \
    "$(cat "$D/am.out")"
# archmail postmap too (the command line reaches it as typed).
prepare optafter-archmail src 'k v\n'
(cd "$D/am" && "$ARCHMAIL" postmap -c "$PFCONF" lmdb:src -n 2>"$D/am.err")
check_eq "archmail postmap lmdb:src -n: exit code 1" 1 $?
(cd "$D/pf" && "$PF_POSTMAP" -c "$PFCONF" lmdb:src -n 2>"$D/pf.err")
check_eq "archmail postmap lmdb:src -n: the table as Postfix's" \
    "$(records "$D/pf/src.lmdb")" "$(records "$D/am/src.lmdb")"

# 4. "postmap -d KEY" with a key that is not UTF-8 (smtputf8_enable on):
# a warning, nothing deleted (exit 0, as Postfix); from standard input
# the other keys are still deleted.
mkdir -p "$T/cf-utf8" "$T/cf-ascii"
printf 'compatibility_level = 3.6\nsmtputf8_enable = yes\n' \
    >"$T/cf-utf8/main.cf"
printf 'compatibility_level = 3.6\nsmtputf8_enable = no\n' \
    >"$T/cf-ascii/main.cf"
badkey=$(printf 'k\377')
for how in arg stdin; do
	prepare "delutf8-$how" src 'k\377 v\nab c\n'
	CONF=$T/cf-ascii both "$D" postmap lmdb:src
	check_eq "-d non-UTF-8 ($how): both tables hold the key" \
	    "$(records "$D/pf/src.lmdb")" "$(records "$D/am/src.lmdb")"
	if [ "$how" = arg ]; then
		CONF=$T/cf-utf8 both "$D" postmap -d "$badkey" lmdb:src
	else
		printf 'k\377\nab\n' >"$D/keys"
		CONF=$T/cf-utf8 IN=$D/keys both "$D" postmap -d - \
		    lmdb:src lmdb:src
	fi
	same_rc "-d non-UTF-8 ($how)" "$D"
	check_eq "-d non-UTF-8 ($how): records as Postfix's" \
	    "$(records "$D/pf/src.lmdb")" "$(records "$D/am/src.lmdb")"
	check "-d non-UTF-8 ($how): the key is kept" \
	    grep -q '^ k\\ff' <(records "$D/am/src.lmdb")
	check_eq "-d non-UTF-8 ($how): warnings as Postfix's" \
	    "$(LC_ALL=C sed 's/"k.*"/"K"/' "$D/pf.err")" \
	    "$(LC_ALL=C sed 's/"k.*"/"K"/' "$D/am.err")"
done

# 5. "postmap -q - lmdb:a lmdb:missing": maps are opened when a key gets
# to them, so keys all found in the first map are answered; a key that
# is not fails on the missing map.
prepare lazyq src 'a b\n'
both "$D" postmap lmdb:src
printf 'a\na\n' >"$D/keys"
IN=$D/keys both "$D" postmap -q - lmdb:src lmdb:missing
same_rc "-q - lmdb:src lmdb:missing, keys in src" "$D"
check_eq "-q - lmdb:src lmdb:missing, keys in src: exit code 0" 0 \
    "$(cat "$D/am.rc")"
check_eq "-q - lmdb:src lmdb:missing, keys in src: answers" \
    "$(cat "$D/pf.out")" "$(cat "$D/am.out")"
printf 'a\nzz\n' >"$D/keys"
IN=$D/keys both "$D" postmap -q - lmdb:src lmdb:missing
same_rc "-q - lmdb:src lmdb:missing, a key not in src" "$D"
check_eq "-q - lmdb:src lmdb:missing, a key not in src: message" \
    "$(grep fatal "$D/pf.err")" "$(grep fatal "$D/am.err")"

# 3. postalias -i with a source line for "@": postalias's own "@" record
# replaces it, on a new table and on an existing one.
printf '"@": at\n' >"$T/at.in"
prepare atnew src ''
IN=$T/at.in both "$D" postalias -i lmdb:src
same_rc "postalias -i \"@\" on a new table" "$D"
check_eq "postalias -i \"@\" on a new table: records" \
    "$(records "$D/pf/src.lmdb")" "$(records "$D/am/src.lmdb")"
check "postalias -i \"@\" on a new table: Postfix's \"@\"" \
    grep -q '^ @\\00$' <(records "$D/am/src.lmdb" | sed -n 2p)
check_eq "postalias -i \"@\" on a new table: no warnings" \
    "$(cat "$D/pf.err")" "$(cat "$D/am.err")"
prepare atold src 'x: y\n'
both "$D" postalias lmdb:src
IN=$T/at.in both "$D" postalias -i lmdb:src
same_rc "postalias -i \"@\" on a table" "$D"
check_eq "postalias -i \"@\" on a table: records" \
    "$(records "$D/pf/src.lmdb")" "$(records "$D/am/src.lmdb")"

# 9. Postfix's wording for two modes.
prepare twomodes src 'a b\n'
both "$D" postmap -s -q a lmdb:src
same_rc "postmap -s -q" "$D"
check "postmap -s -q: Postfix's wording" \
    grep -q "specify only one of -s -q or -d" "$D/pf.err"
check "postmap -s -q: archmail's wording" \
    grep -q "specify only one of -s -q or -d" "$D/am.err"

# 2. main.cf as Postfix evaluates it.  Each main.cf: the table both build
# from "STRAßE v" and "k\377 w" (it shows whether smtputf8_enable came
# out on or off), or both refuse; archmail's refusal names main.cf and
# the line.  (tests/lib/postconf_differential.py runs a thousand more.)
# cfcase NAME WANT_RC LINE MAIN.CF: LINE is the line archmail must name
# when it refuses ("-": a default is at fault, main.cf without a line).
cfcase() {
	local name=$1 want=$2 line=$3
	mkdir -p "$T/cf-$name"
	printf "$4" >"$T/cf-$name/main.cf"
	prepare "cf-$name" src 'STRA\303\237E v\nk\377 w\n'
	CONF=$T/cf-$name both "$D" postmap lmdb:src
	same_rc "main.cf $name" "$D"
	check_eq "main.cf $name: exit code $want" "$want" "$(cat "$D/am.rc")"
	if [ "$want" = 0 ]; then
		check_eq "main.cf $name: records as Postfix's" \
		    "$(records "$D/pf/src.lmdb")" \
		    "$(records "$D/am/src.lmdb")"
	elif [ "$line" = - ]; then
		# The parameter at fault is a default: main.cf has no line.
		check "main.cf $name: archmail names main.cf" \
		    grep -q "main.cf: " "$D/am.err"
	else
		check "main.cf $name: archmail names main.cf, line $line" \
		    grep -q "main.cf, line $line: " "$D/am.err"
	fi
}
cfcase undef-default 0 - 'smtputf8_enable = ${undefined_param:no}\n'
cfcase undef-default-yes 0 - \
    'compatibility_level = 2\nsmtputf8_enable = ${undefined_param:yes}\n'
cfcase set-test 0 - \
    'compatibility_level = 2\nsmtputf8_enable = ${compatibility_level?{no}:{yes}}\n'
cfcase unset-test 0 - \
    'smtputf8_enable = ${compatibility_level?{yes}:{no}}\n'
cfcase bare-test 0 - \
    'compatibility_level = 3.6\nsmtputf8_enable = ${compatibility_level?no}\n'
cfcase level-nested 0 - \
    'compatibility_level = 3.6\nlvl = ${{$compatibility_level} <level {2} ? {1} : {3.6.1}}\nsmtputf8_enable = ${{$lvl} >=level {3.6} ? {no} : {yes}}\n'
cfcase level-default 0 - 'compatibility_level = 1\n'
cfcase level-unset 0 - '# nothing\n'
cfcase continued 0 - \
    'compatibility_level = 3.6\nsmtputf8_enable =\n# comment\n\n    no\n'
cfcase compare 0 - \
    'compatibility_level = 3.6\nsmtputf8_enable = ${{10} < {9} ? {yes} : {no}}\n'
cfcase bool-false 1 2 'compatibility_level = 3.6\nsmtputf8_enable = false\n'
cfcase bool-comment 1 1 'smtputf8_enable = yes # no\n'
cfcase bool-undef 1 1 'smtputf8_enable = $undefined_thing\n'
cfcase bool-continued 1 1 'smtputf8_enable = yes\n no\n'
cfcase self 1 1 'smtputf8_enable = $smtputf8_enable\n'
cfcase loop 1 1 'smtputf8_enable = $a\na = $b\nb = $a\n'
cfcase malformed-read 1 2 \
    'smtputf8_enable = no\ndebug_peer_list = ${{1} <=> {2} ? {a}}\n'
cfcase malformed-unread 0 - 'header_checks = ${a\nfoo = ${b\n'
cfcase number 1 1 'lmdb_map_size = 1k\n'
cfcase level-bad 1 1 'compatibility_level = 3.\n'
cfcase no-equals 1 2 'smtputf8_enable = no\nheader_checks\n'
# Values Postfix checks at start-up: ranges and widths of numbers, times
# and their units, string lengths, and what the host has (facilities,
# protocols, interfaces, accounts, the myorigin file).
cfcase int-min 1 1 'default_process_limit = 0\n'
cfcase int-negative 1 1 'max_use = -1\n'
cfcase int-wide 1 1 'line_length_limit = 2147483648\n'
cfcase int-below 1 2 '# x\nline_length_limit = 511\n'
cfcase int-ok 0 - 'line_length_limit = 512\nmessage_size_limit = -5\n'
cfcase time-zero 1 1 'ipc_timeout = 0\n'
cfcase time-unit 1 1 'ipc_timeout = 5x\n'
cfcase time-first-letter 0 - 'ipc_timeout = 5sx\nmax_idle = 2h\n'
cfcase time-max 1 2 'compatibility_level = 2\nin_flow_delay = 11\n'
cfcase time-overflow 1 1 'daemon_timeout = 3551w\n'
cfcase time-expanded 1 2 't = 0s\nipc_ttl = ${t}\n'
cfcase string-empty 1 1 'mail_name =\n'
cfcase verp-length 1 1 'default_verp_delimiters = abc\n'
cfcase verp-filter 1 1 'verp_delimiter_filter = x\n'
cfcase facility 1 1 'syslog_facility = bogus\n'
# A default is stored evaluated when Postfix reads it: relay_domains'
# $mydestination is "$" here and expands again in fast_flush_domains; and
# it is not yet known while its own default is evaluated (no loop).
cfcase stored-default 1 - 'mydestination = $$\n'
cfcase stored-default-loop 0 - 'mydestination = $relay_domains\n'
cfcase stored-syslog-name 1 - 'multi_instance_name = ${x}\n'
cfcase facility-ok 0 - 'syslog_facility = local7\n'
cfcase maillog-prefix 1 1 'maillog_file = /tmp/postfix.log\n'
cfcase protocols 1 1 'inet_protocols = ipv4, IPV6\n'
cfcase interfaces-remote 1 1 'inet_interfaces = 10.9.9.9\n'
cfcase interfaces-keyword 1 1 'inet_interfaces = all, 127.0.0.1\n'
cfcase interfaces-local 0 - 'inet_interfaces = 127.0.0.1, localhost\n'
cfcase mynetworks-style 1 1 'mynetworks_style = host subnet\n'
cfcase mynetworks-set 0 - 'mynetworks_style = bogus\nmynetworks = 127.0.0.0/8\n'
cfcase owner-unknown 1 1 'mail_owner = nosuchuser\n'
cfcase owner-root 1 1 'mail_owner = root\n'
cfcase group-shared 1 1 'setgid_group = postfix\n'
cfcase privs-owner 1 1 'default_privs = postfix\n'
cfcase origin-multi 1 1 'myorigin = a, b\n'
printf '  mail.example.org \nsecond line\n' >"$T/mailname"
cfcase origin-file 0 - "myorigin = $T/mailname\n"
: >"$T/mailname-none"
cfcase origin-file-none 1 1 "myorigin = $T/mailname-none\n"
printf '\nmail.example.org\n' >"$T/mailname-empty"
cfcase origin-file-empty 1 1 "myorigin = $T/mailname-empty\n"
cfcase origin-file-missing 1 1 "myorigin = $T/no-mailname\n"
printf 'a b\n' >"$T/mailname-two"
cfcase origin-file-two 1 1 "myorigin = $T/mailname-two\n"
ln "$T/mailname" "$T/mailname-link"
cfcase origin-file-linked 1 1 "myorigin = $T/mailname\n"

# 7. A table that is a symbolic link: archmail replaces the file the link
# leads to (atomically, in that file's directory) and keeps the link,
# so the records are Postfix's, reached through the same link.
for tool in postmap postalias; do
	prepare "symlink-$tool" src 'k: v\n'
	for side in am pf; do
		mkdir -p "$D/$side/real"
		(cd "$D/$side" && "/usr/sbin/$tool" -c "$PFCONF" lmdb:src &&
		    mv src.lmdb real/t.lmdb && ln -s real/t.lmdb src.lmdb)
		printf 'k: w\nk2: v2\n' >"$D/$side/src"
	done
	ino=$(stat -c %i "$D/am/real/t.lmdb")
	both "$D" "$tool" lmdb:src
	same_rc "$tool through a symlink" "$D"
	check "$tool through a symlink: still a link" test -L "$D/am/src.lmdb"
	check_eq "$tool through a symlink: link target" "real/t.lmdb" \
	    "$(readlink "$D/am/src.lmdb")"
	check_eq "$tool through a symlink: records as Postfix's" \
	    "$(records "$D/pf/real/t.lmdb")" "$(records "$D/am/real/t.lmdb")"
	check "$tool through a symlink: the target was replaced" \
	    test "$ino" != "$(stat -c %i "$D/am/real/t.lmdb")"
	check_eq "$tool through a symlink: nothing left beside" \
	    "t.lmdb" "$(ls "$D/am/real")"
done
# A hard-linked table: replaced under this name, with a warning that the
# other name keeps the old table.
prepare hardlink src 'k v\n'
(cd "$D/am" && "$BIN/postmap" -c "$PFCONF" lmdb:src && ln src.lmdb other.lmdb)
printf 'k w\n' >"$D/am/src"
(cd "$D/am" && "$BIN/postmap" -c "$PFCONF" lmdb:src 2>"$D/am.err")
check_eq "hard-linked table: exit code 0" 0 $?
check "hard-linked table: warning" grep -q \
    "postmap: warning: src.lmdb had 1 other hard link(s): they keep the old table" \
    "$D/am.err"
check "hard-linked table: new records" grep -q '^ w' \
    <(records "$D/am/src.lmdb")
check "hard-linked table: the other name keeps the old" grep -q '^ v' \
    <(records "$D/am/other.lmdb")

# 9. Messages as Postfix's.  same_out DESC DIR: exit code, standard
# output and standard error all identical.
same_out() {
	same_rc "$1" "$2"
	check_eq "$1: output" "$(cat "$2/pf.out")" "$(cat "$2/am.out")"
	check_eq "$1: messages" "$(cat "$2/pf.err")" "$(cat "$2/am.err")"
}
# A long line is quoted whole, as Postfix quotes it (archmail once cut
# every message at 1 KiB): 3,000 and 70,000 bytes in an unbalanced '"'.
long3k=$(head -c 3000 /dev/zero | tr '\0' a)
long70k=$(head -c 70000 /dev/zero | tr '\0' b)
prepare longline src "k v\n\"$long3k v\n\"$long70k w\n"
both "$D" postmap lmdb:src
same_out "long lines quoted whole" "$D"
check "long lines quoted whole: the 70,000 bytes are there" \
    grep -qF "$long70k" "$D/am.err"
# A line that starts with a NUL is checked for UTF-8 in full.
prepare nulfirst src 'k v\n\0abc\377 v\n\0abc w\n'
CONF=$T/cf-utf8 both "$D" postmap lmdb:src
same_out "a NUL-first non-UTF-8 line (smtputf8 on)" "$D"
CONF=$T/cf-ascii both "$D" postmap lmdb:src
same_out "a NUL-first non-UTF-8 line (smtputf8 off)" "$D"
# Non-ASCII in messages: kept (smtputf8 on) or '?' (off).
# (archmail names the line of a duplicate: the quoted texts are compared.)
quoted() { LC_ALL=C grep -o '"[^"]*"' "$1" | LC_ALL=C sort; }
prepare nonascii src '\303\251t\303\251 a\n\303\251t\303\251 b\nk\377 c\nk\377 d\n'
for mode in utf8 ascii; do
	CONF=$T/cf-$mode both "$D" postmap lmdb:src
	same_rc "non-ASCII in messages ($mode)" "$D"
	check_eq "non-ASCII in messages ($mode): as Postfix shows it" \
	    "$(quoted "$D/pf.err")" "$(quoted "$D/am.err")"
done
check "non-ASCII in messages (smtputf8 off): shown as ?" \
    grep -q '"??t??"' "$D/am.err"
# -s on a table with an empty key: a warning, and the record shown.
prepare emptykey src '"": empty\nb: c\n'
(cd "$D/pf" && "$PF_POSTALIAS" -c "$PFCONF" lmdb:src)
cp "$D/pf/src.lmdb" "$D/am/src.lmdb"
both "$D" postmap -s lmdb:src
same_out "postmap -s with an empty key" "$D"
check "postmap -s with an empty key: warned" \
    grep -q "empty lookup key value is not allowed" "$D/am.err"
# -F -s: a value that is not base64 is warned about and skipped.
prepare fdump src 'k notbase64!\nk2 aGVsbG8=\n'
(cd "$D/pf" && "$PF_POSTMAP" -c "$PFCONF" lmdb:src)
cp "$D/pf/src.lmdb" "$D/am/src.lmdb"
both "$D" postmap -F -s lmdb:src
same_out "postmap -F -s over a value that is not base64" "$D"
check_eq "postmap -F -s: the good record still shown" "$(printf 'k2\thello')" \
    "$(cat "$D/am.out")"
# Usage errors read as Postfix's: one "fatal: usage:" line naming the
# command (archmail lists only the options it has).
prepare usage src 'k v\n'
both "$D" postmap -Z lmdb:src
same_rc "postmap -Z" "$D"
check_eq "postmap -Z: first line" "$(sed -n 1p "$D/pf.err")" \
    "$(sed -n 1p "$D/am.err")"
check_eq "postmap -Z: two lines" 2 "$(wc -l <"$D/am.err")"
check "postmap -Z: fatal usage line" \
    grep -q '^postmap: fatal: usage: postmap \[-[a-zA-Z]*\] \[-c config_dir\] \[-d key\] \[-q key\] \[map_type:\]file\.\.\.$' \
    "$D/am.err"
both "$D" postalias -Z lmdb:src
check_eq "postalias -Z: as Postfix's" "$(cat "$D/pf.err")" \
    "$(cat "$D/am.err")"
# -m is rejected (man page): archmail has no -b or -h for it to go with.
both "$D" postmap -m lmdb:src
check_eq "postmap -m: exit code 1" 1 "$(cat "$D/am.rc")"
check "postmap -m: invalid option" grep -q "^postmap: invalid option -- 'm'" \
    "$D/am.err"
# proxy:lmdb:src: refused, suggesting lmdb:src.
both "$D" postmap proxy:lmdb:src
same_rc "postmap proxy:lmdb:src" "$D"
check "postmap proxy:lmdb:src: suggests lmdb:src" \
    grep -q "name the map as lmdb:src," "$D/am.err"
check_fails "postmap proxy:lmdb:src: not lmdb:lmdb:src" \
    grep -q "lmdb:lmdb:src" "$D/am.err"
# newaliases speaks as postalias, as Postfix's does.
mkdir -p "$T/cf-na"
printf 'alias_database = lmdb:%s/na/aliases\n' "$T" >"$T/cf-na/main.cf"
mkdir -p "$T/na"
printf 'a: b\na: c\n' >"$T/na/aliases"
"$BIN/newaliases" -c "$T/cf-na" 2>"$T/na/err"
check "newaliases: warnings say postalias:" \
    grep -q '^postalias: warning: .*duplicate entry' "$T/na/err"
check_fails "newaliases: no newaliases: prefix" grep -q '^newaliases:' \
    "$T/na/err"

finish
