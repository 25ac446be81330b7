#!/bin/bash
# Sections and their steps are called by name (section_$s, each_run).
# shellcheck disable=SC2317
#
# run.sh - time archmail against real Postfix (and a plain liblmdb loader)
# on the same machine, in the same run, on the same generated data.
#
# usage: tests/bench/run.sh ARCHMAIL_BINARY [RUNS]
#
#   RUNS            runs per command (default 3, at least 3: a median of
#                   fewer runs is just one noisy sample)
#   BENCH_SECTIONS  sections to run, space-separated (default: all of
#                   "build aliases query single users edits relay dkim
#                   ansible")
#   BENCH_APPLY_N   entries in the users apply batch of "edits" (10000)
#   BENCH_DATA      data directory to use and keep; generated into it when
#                   it lacks gen_data.py's current stamp
#   BENCH_KEEP=1    keep the work directory (outputs, logs, raw times)
#   POSTMAP, POSTALIAS, CC   override /usr/sbin/postmap, /usr/sbin/postalias, cc
#   TMPDIR          where the work directory goes; keep it on a real disk,
#                   a tmpfs makes every fsync free
#
# Every figure is the median of RUNS runs of /usr/bin/time -f '%e %M' (wall
# seconds, peak RSS KiB).  The commands being compared run alternately, and
# in reverse order on even runs, so neither side gets the warmer cache or
# the quieter minute.  Misses against the goals are reported, never fatal:
# the exit status is 1 only when a command itself fails.
#
# Adding a section: write section_NAME() using setup helpers like the ones
# below, each_run to alternate the commands, timed to measure them, and row /
# check_row to report; then add NAME to ALL_SECTIONS.

set -eu

ALL_SECTIONS="build aliases query single users edits relay dkim ansible"

usage() {
	echo "usage: $0 ARCHMAIL_BINARY [RUNS]" >&2
	exit 2
}

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	usage
fi
ARCHMAIL=$1
RUNS=${2:-3}
case $RUNS in
'' | *[!0-9]*) usage ;;
esac
if [ "$RUNS" -lt 3 ]; then
	echo "run.sh: RUNS must be at least 3" >&2
	exit 2
fi
# Commands run from per-tool directories, so the binary needs a full path.
case $ARCHMAIL in
/*) ;;
*/*) ARCHMAIL=$PWD/$ARCHMAIL ;;
*) ARCHMAIL=$(command -v "$ARCHMAIL") || usage ;;
esac
if [ ! -x "$ARCHMAIL" ]; then
	echo "run.sh: $ARCHMAIL: not executable" >&2
	exit 2
fi

HERE=$(cd "$(dirname "$0")" && pwd)
POSTMAP=${POSTMAP:-/usr/sbin/postmap}
POSTALIAS=${POSTALIAS:-/usr/sbin/postalias}
CC=${CC:-cc}
TIME=/usr/bin/time
BENCH_SECTIONS=${BENCH_SECTIONS:-$ALL_SECTIONS}
SINGLE_N=200	# -q KEY processes per timing: one takes only ~10 ms

for s in $BENCH_SECTIONS; do
	case " $ALL_SECTIONS " in
	*" $s "*) ;;
	*)
		echo "run.sh: unknown section '$s' (known: $ALL_SECTIONS)" >&2
		exit 2
		;;
	esac
done
for tool in "$TIME" "$POSTMAP" "$POSTALIAS" mdb_dump python3 "$CC"; do
	if ! command -v "$tool" >/dev/null; then
		echo "run.sh: $tool not found" >&2
		exit 2
	fi
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/archmail-bench.XXXXXX")
if [ "${BENCH_KEEP:-0}" = 1 ]; then
	trap 'echo "run.sh: work directory kept: $WORK" >&2' EXIT
else
	trap 'cd /; rm -rf "$WORK"' EXIT
fi
RES=$WORK/results	# one file per measured command: "wall rss" per run
LOG=$WORK/log		# stderr of every command, per label
TABLE=$WORK/table
CONF=$WORK/conf
mkdir -p "$RES" "$LOG" "$CONF"
: >"$TABLE"

# Postfix refuses to run without a main.cf.  Default settings otherwise:
# in particular no lmdb_map_size, so postmap starts at 16 MiB and restarts
# on MDB_MAP_FULL the way it does on a stock install.
cat >"$CONF/main.cf" <<EOF
compatibility_level = 3.6
smtputf8_enable = yes
default_database_type = lmdb
myhostname = bench.example
EOF

# --- helpers ---------------------------------------------------------------

note() {
	echo "run.sh: $*" >&2
}

# timed LABEL CMD...: run CMD once under time(1), append "wall rss" to
# $RES/LABEL.  Redirections given to timed apply to CMD.
timed() {
	local label=$1
	shift
	# Write-back of the untimed preparation (fresh copies of big files)
	# is not the command's: flushed before the clock starts.
	sync
	if ! "$TIME" -f '%e %M' -o "$WORK/time.out" "$@" 2>>"$LOG/$label"; then
		note "command failed ($label): $*"
		tail -n 20 "$LOG/$label" >&2
		exit 1
	fi
	tail -n 1 "$WORK/time.out" >>"$RES/$label"
	note "  $label: $(tail -n 1 "$WORK/time.out" |
		awk '{ printf "%.2f s, %d MiB", $1, $2 / 1024 }')"
}

# each_run FN...: call every FN once per run (argument: the run number),
# in the given order on odd runs and reversed on even runs.
each_run() {
	local run fn fns rev
	fns="$*"
	rev=
	for fn in $fns; do
		rev="$fn $rev"
	done
	for run in $(seq 1 "$RUNS"); do
		note "run $run/$RUNS"
		if [ $((run % 2)) = 1 ]; then
			for fn in $fns; do "$fn" "$run"; done
		else
			for fn in $rev; do "$fn" "$run"; done
		fi
	done
}

# median LABEL COLUMN: median of one column (1 = wall s, 2 = RSS KiB).
median() {
	awk -v c="$2" '{ print $c }' "$RES/$1" | sort -n | awk '
		{ v[NR] = $1 }
		END {
			if (NR % 2) print v[(NR + 1) / 2]
			else print (v[NR / 2] + v[NR / 2 + 1]) / 2
		}'
}

# row NAME ARCHMAIL REFERENCE GOAL FORMAT: one table line; ratio =
# ARCHMAIL / REFERENCE, PASS when <= GOAL.  GOAL "-" is for information.
# FORMAT is a printf format for the two values ("%.2f s").
row() {
	awk -v n="$1" -v a="$2" -v r="$3" -v g="$4" -v f="$5" 'BEGIN {
		if (r + 0 > 0) {
			ratio = sprintf("%.3f", a / r)
			if (g == "-") verdict = "info"
			else verdict = (a / r <= g + 0) ? "PASS" : "MISS"
		} else {
			ratio = "n/a"; verdict = "n/a"
		}
		printf "%-42s %12s %12s %7s %6s  %s\n", n, sprintf(f, a),
		    sprintf(f, r), ratio, (g == "-") ? "" : "<=" g, verdict
	}' >>"$TABLE"
}

# check_row NAME FILE1 FILE2: a correctness line, PASS when the files are
# identical.  A benchmark of wrong output is no benchmark.
check_row() {
	local verdict=MISS what=differ
	if cmp -s "$2" "$3"; then
		verdict=PASS
		what=same
	fi
	printf '%-42s %12s %12s %7s %6s  %s\n' "$1" "$what" "" "" "" \
	    "$verdict" >>"$TABLE"
}

# records LMDBFILE: the records, one "key\nvalue" pair after another, as
# mdb_dump prints them, without the header (the map size differs by design)
# and without postalias's YP_LAST_MODIFIED, which is a time stamp.
records() {
	mdb_dump -p -n "$1" | sed '1,/^HEADER=END$/d' |
		awk '/^ YP_LAST_MODIFIED/ { getline; next } { print }'
}

# fresh_dir DIR FILE...: DIR holding private copies of data files, so each
# tool builds its own output next to its own source.
fresh_dir() {
	local dir=$1 f
	shift
	rm -rf "$dir"
	mkdir -p "$dir"
	for f in "$@"; do
		cp "$DATA/$f" "$dir/$f"
	done
}

# --- data and the floor loader ----------------------------------------------

DATA=${BENCH_DATA:-$WORK/data}
GEN_VERSION=$(sed -n 's/^VERSION = "\(.*\)"$/\1/p' "$HERE/gen_data.py")
if ! grep -qs "^gen_data $GEN_VERSION " "$DATA/.gen_data.done"; then
	note "generating data into $DATA"
	python3 "$HERE/gen_data.py" "$DATA"
else
	note "reusing data in $DATA"
fi
DATA=$(cd "$DATA" && pwd)

FLOOR=$WORK/floor_load
"$CC" -O2 -o "$FLOOR" "$HERE/floor_load.c" -llmdb

# --- sections ----------------------------------------------------------------

# Build of the 1M-line virtual map, fresh each time.
build_am() {
	cd "$WORK/build/am"
	rm -f virtual.lmdb*
	timed build_am "$ARCHMAIL" postmap -c "$CONF" lmdb:virtual
	stat -c %s virtual.lmdb >>"$RES/size_am"
}
build_pf() {
	cd "$WORK/build/pf"
	rm -f virtual.lmdb*
	timed build_pf "$POSTMAP" -c "$CONF" lmdb:virtual
	stat -c %s virtual.lmdb >>"$RES/size_pf"
}
build_fl() {
	cd "$WORK/build/fl"
	rm -f out.lmdb*
	timed build_fl "$FLOOR" virtual out.lmdb
}
section_build() {
	note "section build: 1M-line virtual map"
	fresh_dir "$WORK/build/am" virtual
	fresh_dir "$WORK/build/pf" virtual
	fresh_dir "$WORK/build/fl" virtual
	each_run build_am build_pf build_fl

	row "build 1M: archmail / postmap" \
	    "$(median build_am 1)" "$(median build_pf 1)" 0.25 "%.2f s"
	row "build 1M: archmail / floor_load" \
	    "$(median build_am 1)" "$(median build_fl 1)" 1.15 "%.2f s"
	row "build 1M: postmap / floor_load" \
	    "$(median build_pf 1)" "$(median build_fl 1)" - "%.2f s"
	row "build 1M: peak RSS archmail / postmap" \
	    "$(median build_am 2 | awk '{ print $1 / 1024 }')" \
	    "$(median build_pf 2 | awk '{ print $1 / 1024 }')" 1.5 "%.0f MiB"
	row "build 1M: peak RSS floor / postmap" \
	    "$(median build_fl 2 | awk '{ print $1 / 1024 }')" \
	    "$(median build_pf 2 | awk '{ print $1 / 1024 }')" - "%.0f MiB"
	row "build 1M: file size archmail / postmap" \
	    "$(awk '{ print $1 / 1048576 }' "$RES/size_am" | sort -n | tail -n 1)" \
	    "$(awk '{ print $1 / 1048576 }' "$RES/size_pf" | sort -n | tail -n 1)" \
	    1.0 "%.1f MiB"

	records "$WORK/build/pf/virtual.lmdb" >"$WORK/build/pf.rec"
	records "$WORK/build/am/virtual.lmdb" >"$WORK/build/am.rec"
	records "$WORK/build/fl/out.lmdb" >"$WORK/build/fl.rec"
	check_row "build 1M: records archmail = postmap" \
	    "$WORK/build/am.rec" "$WORK/build/pf.rec"
	check_row "build 1M: records floor = postmap" \
	    "$WORK/build/fl.rec" "$WORK/build/pf.rec"
}

# Build of the 200,000-alias aliases file, fresh each time.
aliases_am() {
	cd "$WORK/aliases/am"
	rm -f aliases.lmdb*
	timed aliases_am "$ARCHMAIL" postalias -c "$CONF" lmdb:aliases
}
aliases_pf() {
	cd "$WORK/aliases/pf"
	rm -f aliases.lmdb*
	timed aliases_pf "$POSTALIAS" -c "$CONF" lmdb:aliases
}
section_aliases() {
	note "section aliases: 200,000 aliases"
	fresh_dir "$WORK/aliases/am" aliases
	fresh_dir "$WORK/aliases/pf" aliases
	each_run aliases_am aliases_pf

	row "aliases: archmail / postalias" \
	    "$(median aliases_am 1)" "$(median aliases_pf 1)" 0.34 "%.2f s"
	row "aliases: peak RSS archmail / postalias" \
	    "$(median aliases_am 2 | awk '{ print $1 / 1024 }')" \
	    "$(median aliases_pf 2 | awk '{ print $1 / 1024 }')" - "%.0f MiB"
	records "$WORK/aliases/pf/aliases.lmdb" >"$WORK/aliases/pf.rec"
	records "$WORK/aliases/am/aliases.lmdb" >"$WORK/aliases/am.rec"
	check_row "aliases: records archmail = postalias" \
	    "$WORK/aliases/am.rec" "$WORK/aliases/pf.rec"
}

# Both query sections read the same file, written by real postmap, so only
# the reader differs.  Reuses the build section's output when there is one.
query_table() {
	local q=$WORK/query
	[ -f "$q/virtual.lmdb" ] && return 0
	# Source first, table second: postmap warns when the source is newer.
	fresh_dir "$q" virtual keys.map
	head -n "$SINGLE_N" "$DATA/keys.map" >"$q/keys.single"
	if [ -f "$WORK/build/pf/virtual.lmdb" ]; then
		cp "$WORK/build/pf/virtual.lmdb" "$q/virtual.lmdb"
	else
		note "building the query table with $POSTMAP"
		(cd "$q" && "$POSTMAP" -c "$CONF" lmdb:virtual) 2>>"$LOG/query_table"
	fi
}

# -q - with 100,000 keys on stdin.
query_am() {
	cd "$WORK/query"
	timed query_am "$ARCHMAIL" postmap -c "$CONF" -q - lmdb:virtual \
	    <keys.map >/dev/null
}
query_pf() {
	cd "$WORK/query"
	timed query_pf "$POSTMAP" -c "$CONF" -q - lmdb:virtual \
	    <keys.map >/dev/null
}
section_query() {
	note "section query: -q - with 100,000 keys"
	query_table
	each_run query_am query_pf

	row "query -q - 100k: archmail / postmap" \
	    "$(median query_am 1)" "$(median query_pf 1)" 0.67 "%.2f s"
	# Once more, untimed, to compare what they print.
	cd "$WORK/query"
	"$ARCHMAIL" postmap -c "$CONF" -q - lmdb:virtual <keys.map \
	    >query_am.out 2>>"$LOG/query_am" || true
	"$POSTMAP" -c "$CONF" -q - lmdb:virtual <keys.map \
	    >query_pf.out 2>>"$LOG/query_pf" || true
	check_row "query -q - 100k: output archmail = postmap" \
	    query_am.out query_pf.out
}

# SINGLE_N separate "-q KEY" processes, one after the other.  Exit 1 (not
# found) is expected for some keys; anything else is a failure.  The output
# of the last run is kept to compare the two tools.
# shellcheck disable=SC2016 # expanded by the inner sh
single_loop='
	while IFS= read -r k; do
		"$@" -q "$k" lmdb:virtual
		rc=$?
		[ "$rc" -le 1 ] || exit "$rc"
	done <keys.single'
single_am() {
	cd "$WORK/query"
	timed single_am sh -c "$single_loop" sh "$ARCHMAIL" postmap -c "$CONF" \
	    >single_am.out
}
single_pf() {
	cd "$WORK/query"
	timed single_pf sh -c "$single_loop" sh "$POSTMAP" -c "$CONF" \
	    >single_pf.out
}
section_single() {
	note "section single: $SINGLE_N sequential -q KEY processes"
	query_table
	each_run single_am single_pf

	row "single -q KEY: archmail / postmap" \
	    "$(median single_am 1 | awk -v n="$SINGLE_N" '{ print $1 * 1000 / n }')" \
	    "$(median single_pf 1 | awk -v n="$SINGLE_N" '{ print $1 * 1000 / n }')" \
	    0.33 "%.2f ms"
	check_row "single -q KEY: output archmail = postmap" \
	    "$WORK/query/single_am.out" "$WORK/query/single_pf.out"
}

# users add on the 1M-line users file, the table rebuild included, against
# real postmap building the table of the same file.  Each run starts from a
# fresh copy of the file (untimed), so every add really writes.
users_am() {
	cd "$WORK/users/am"
	cp "$DATA/users" users
	rm -f users.lmdb*
	timed users_am "$ARCHMAIL" --config "$WORK/users/archmail.conf" \
	    users add "bench$1@archlinux.example" bench@example.com \
	    --category "$USERS_CATEGORY"
}
users_pf() {
	cd "$WORK/users/pf"
	rm -f users.lmdb*
	timed users_pf "$POSTMAP" -c "$CONF" lmdb:users
}
# The rebuild alone, for information: the floor of users add.
users_rb() {
	cd "$WORK/users/rb"
	rm -f users.lmdb*
	timed users_rb "$ARCHMAIL" postmap -c "$CONF" lmdb:users
}
section_users() {
	note "section users: users add on a 1M-line users file"
	fresh_dir "$WORK/users/am" users
	fresh_dir "$WORK/users/pf" users
	fresh_dir "$WORK/users/rb" users
	printf '%s\n' "postfix_config_dir = $CONF" \
	    "users_map = $WORK/users/am/users" \
	    "domains = archlinux.example" >"$WORK/users/archmail.conf"
	USERS_CATEGORY=$("$ARCHMAIL" --config "$WORK/users/archmail.conf" \
	    users categories | sed -n 500p)
	each_run users_am users_pf users_rb

	row "users add 1M + rebuild / postmap" \
	    "$(median users_am 1)" "$(median users_pf 1)" 0.5 "%.2f s"
	row "users: rebuild alone (archmail postmap)" \
	    "$(median users_rb 1)" "$(median users_pf 1)" - "%.2f s"
	# The edited file, compiled by real postmap, gives the same records.
	cp "$WORK/users/am/users" "$WORK/users/pf/users"
	(cd "$WORK/users/pf" && rm -f users.lmdb* &&
		"$POSTMAP" -c "$CONF" lmdb:users) 2>>"$LOG/users_pf"
	records "$WORK/users/am/users.lmdb" >"$WORK/users/am.rec"
	records "$WORK/users/pf/users.lmdb" >"$WORK/users/pf.rec"
	check_row "users add 1M: records archmail = postmap" \
	    "$WORK/users/am.rec" "$WORK/users/pf.rec"
	wc -l <"$WORK/users/am/users" >"$WORK/users/am.lines"
	echo $(($(wc -l <"$DATA/users") + 1)) >"$WORK/users/want.lines"
	check_row "users add 1M: exactly one line added" \
	    "$WORK/users/am.lines" "$WORK/users/want.lines"
}

# Edits in O(change) on the 1M-line users file whose table is current:
# one users add (just the record into the live table) against a plain
# postmap of the same file; one users apply of BENCH_APPLY_N adds (spread
# over the categories) against one postmap of the resulting file.  Each
# run starts from a fresh copy of source and table (untimed), the source
# made older than the table so that the table is current.
APPLY_N=${BENCH_APPLY_N:-10000}
edits_fresh() {
	cp "$DATA/users" "$WORK/edits/am/users"
	cp "$WORK/edits/base.lmdb" "$WORK/edits/am/users.lmdb"
	touch -d '-1 minute' "$WORK/edits/am/users"
	rm -f "$WORK/edits/am/users.lmdb.pending"
}
edits_add() {
	edits_fresh
	cd "$WORK/edits/am"
	timed edits_add "$ARCHMAIL" --config "$WORK/edits/archmail.conf" \
	    users add "edit$1@archlinux.example" bench@example.com \
	    --category "$USERS_CATEGORY"
}
edits_pf() {
	cd "$WORK/edits/pf"
	rm -f users.lmdb*
	timed edits_pf "$POSTMAP" -c "$CONF" lmdb:users
}
edits_apply() {
	edits_fresh
	cd "$WORK/edits/am"
	timed edits_apply "$ARCHMAIL" --config "$WORK/edits/archmail.conf" \
	    users apply "$WORK/edits/batch"
	cp users "$WORK/edits/pf2/users"
}
edits_apply_pf() {
	cd "$WORK/edits/pf2"
	[ -s users ] || cp "$DATA/users" users
	rm -f users.lmdb*
	timed edits_apply_pf "$POSTMAP" -c "$CONF" lmdb:users
}
section_edits() {
	note "section edits: users add and users apply ($APPLY_N) in O(change)"
	fresh_dir "$WORK/edits/am" users
	fresh_dir "$WORK/edits/pf" users
	fresh_dir "$WORK/edits/pf2" users
	printf '%s\n' "postfix_config_dir = $CONF" \
	    "users_map = $WORK/edits/am/users" \
	    "domains = archlinux.example" >"$WORK/edits/archmail.conf"
	(cd "$WORK/edits/am" && "$POSTMAP" -c "$CONF" lmdb:users) \
	    2>>"$LOG/edits_pf"
	cp "$WORK/edits/am/users.lmdb" "$WORK/edits/base.lmdb"
	"$ARCHMAIL" --config "$WORK/edits/archmail.conf" users categories \
	    >"$WORK/edits/categories"
	USERS_CATEGORY=$(sed -n 500p "$WORK/edits/categories")
	python3 - "$WORK/edits/categories" "$WORK/edits/batch" "$APPLY_N" <<'PY'
import json, sys
cats = [c for c in open(sys.argv[1]).read().split("\n") if c]
with open(sys.argv[2], "w") as out:
    for i in range(int(sys.argv[3])):
        out.write(json.dumps({"action": "add",
            "address": "batch%05d@archlinux.example" % i,
            "destination": "bench@example.com",
            "category": cats[(i * 7919) % len(cats)]}) + "\n")
PY
	each_run edits_add edits_pf
	row "users add 1M, table current / postmap" \
	    "$(median edits_add 1)" "$(median edits_pf 1)" 0.1 "%.2f s"
	records "$WORK/edits/am/users.lmdb" >"$WORK/edits/am.rec"
	cp "$WORK/edits/am/users" "$WORK/edits/pf/users"
	(cd "$WORK/edits/pf" && rm -f users.lmdb* &&
		"$POSTMAP" -c "$CONF" lmdb:users) 2>>"$LOG/edits_pf"
	records "$WORK/edits/pf/users.lmdb" >"$WORK/edits/pf.rec"
	check_row "users add in place: records = postmap" \
	    "$WORK/edits/am.rec" "$WORK/edits/pf.rec"
	each_run edits_apply edits_apply_pf
	row "users apply $APPLY_N / postmap of result" \
	    "$(median edits_apply 1)" "$(median edits_apply_pf 1)" 1.0 \
	    "%.2f s"
	records "$WORK/edits/am/users.lmdb" >"$WORK/edits/am.rec"
	records "$WORK/edits/pf2/users.lmdb" >"$WORK/edits/pf2.rec"
	check_row "users apply in place: records = postmap" \
	    "$WORK/edits/am.rec" "$WORK/edits/pf2.rec"
}

# relay add and passwd clear on a passwd/shadow pair of 100,000 accounts,
# against useradd --prefix and passwd -d -R on a copy of the same root.
# The hash is the cheapest archmail offers (sha512, 1000 rounds, ~1 ms),
# so the figures are the account-file work, not the hash; useradd sets no
# password at all.  Every run starts from a fresh copy (untimed).
relay_root() {
	rm -rf "$1"
	cp -a "$WORK/relay/root" "$1"
}
relay_add_am() {
	relay_root "$WORK/relay/am"
	echo "bench password" >"$WORK/relay/pw"
	timed relay_add_am "$ARCHMAIL" --root "$WORK/relay/am" relay add \
	    "bench$1.example.org" --any-domain --password-stdin --scheme sha512 \
	    --rounds 1000 --no-postfwd --no-sender-map <"$WORK/relay/pw" \
	    >/dev/null
}
relay_add_ua() {
	relay_root "$WORK/relay/ua"
	timed relay_add_ua useradd --prefix "$WORK/relay/ua" -m -g nobody \
	    -s /usr/bin/nologin -c "SMTP Relay Account for bench$1" "bench$1"
}
relay_clear_am() {
	relay_root "$WORK/relay/am"
	timed relay_clear_am "$ARCHMAIL" --root "$WORK/relay/am" passwd clear \
	    user50000 >/dev/null
}
relay_clear_pw() {
	relay_root "$WORK/relay/pw.root"
	timed relay_clear_pw passwd -R "$WORK/relay/pw.root" -d user50000 \
	    >/dev/null
}
section_relay() {
	note "section relay: relay add / passwd clear, 100,000 accounts"
	if ! command -v useradd >/dev/null || ! command -v passwd >/dev/null
	then
		note "useradd/passwd missing: section relay skipped"
		return 0
	fi
	mkdir -p "$WORK/relay/root/etc" "$WORK/relay/root/home" \
	    "$WORK/relay/root/usr/bin"
	python3 - "$WORK/relay/root/etc" <<'PY'
import sys
d = sys.argv[1]
h = "$6$rounds=1000$benchsaltbenchsa$" + "x" * 86
with open(d + "/passwd", "w") as p, open(d + "/shadow", "w") as s:
    p.write("root:x:0:0:root:/root:/bin/bash\n")
    s.write("root:*:19000:0:99999:7:::\n")
    p.write("nobody:x:65534:65534:nobody:/nonexistent:/usr/bin/nologin\n")
    s.write("nobody:*:19000:0:99999:7:::\n")
    for i in range(100000):
        p.write("user%d:x:%d:100:User %d:/home/user%d:/bin/bash\n"
                % (i, 1000 + i, i, i))
        s.write("user%d:%s:19000:0:99999:7:::\n" % (i, h))
with open(d + "/group", "w") as g:
    g.write("root:x:0:\nusers:x:100:\nnobody:x:65534:\n")
with open(d + "/gshadow", "w") as g:
    g.write("root:*::\nusers:!::\nnobody:!::\n")
with open(d + "/login.defs", "w") as f:
    f.write("UID_MIN 1000\nUID_MAX 200000\nGID_MIN 1000\nGID_MAX 60000\n")
PY
	chmod 640 "$WORK/relay/root/etc/shadow" "$WORK/relay/root/etc/gshadow"
	printf '#!/bin/sh\n' >"$WORK/relay/root/usr/bin/nologin"
	chmod 755 "$WORK/relay/root/usr/bin/nologin"
	each_run relay_add_am relay_add_ua
	each_run relay_clear_am relay_clear_pw

	row "relay add 100k accounts / useradd --prefix" \
	    "$(median relay_add_am 1)" "$(median relay_add_ua 1)" - "%.3f s"
	row "passwd clear 100k accounts / passwd -d -R" \
	    "$(median relay_clear_am 1)" "$(median relay_clear_pw 1)" - \
	    "%.3f s"
	# Both wrote the same account lines, hash and aging aside.
	grep '^user50000:' "$WORK/relay/am/etc/shadow" | cut -d: -f1-2 \
	    >"$WORK/relay/clear_am"
	grep '^user50000:' "$WORK/relay/pw.root/etc/shadow" | cut -d: -f1-2 \
	    >"$WORK/relay/clear_pw"
	check_row "passwd clear: field as passwd -d writes it" \
	    "$WORK/relay/clear_am" "$WORK/relay/clear_pw"
	grep -v '^bench' "$WORK/relay/am/etc/passwd" >"$WORK/relay/rest_am"
	grep -v '^bench' "$WORK/relay/ua/etc/passwd" >"$WORK/relay/rest_ua"
	check_row "relay add: other passwd lines untouched" \
	    "$WORK/relay/rest_am" "$WORK/relay/rest_ua"
}

# DKIM key generation (SPEC §3): Ed25519 "dkim keygen" (key written
# durably, record printed: one process) against "openssl genpkey" alone,
# median of DKIM_ED_RUNS; RSA-2048 and RSA-4096 as distributions (min,
# median, max of DKIM_RSA_RUNS), since the prime search takes a random
# time.  A run takes milliseconds, below time(1)'s resolution, so these
# are timed with the shell's microsecond clock.
DKIM_ED_RUNS=15
DKIM_RSA_RUNS=20

# timed_us LABEL CMD...: as timed, wall time only (RSS column 0).
timed_us() {
	local label=$1 start end
	shift
	start=${EPOCHREALTIME/,/.}
	if ! "$@" 2>>"$LOG/$label"; then
		note "command failed ($label): $*"
		tail -n 20 "$LOG/$label" >&2
		exit 1
	fi
	end=${EPOCHREALTIME/,/.}
	awk -v s="$start" -v e="$end" 'BEGIN { printf "%.6f 0\n", e - s }' \
	    >>"$RES/$label"
}

# stat_of LABEL min|max: the smallest or largest wall time.
stat_of() {
	awk '{ print $1 }' "$RES/$1" | sort -n |
	    if [ "$2" = min ]; then head -n 1; else tail -n 1; fi
}

# ms VALUE: seconds to milliseconds, for the table.
ms() {
	awk -v v="$1" 'BEGIN { print v * 1000 }'
}

dkim_ed_am() {
	cd "$WORK/dkim"
	timed_us dkim_ed_am "$ARCHMAIL" dkim keygen -t ed25519 -b 0 \
	    -s dkim-ed25519 -d archlinux.org -k "ed-am-$1.key" >"ed-am-$1.rec"
}
dkim_ed_os() {
	cd "$WORK/dkim"
	timed_us dkim_ed_os openssl genpkey -algorithm ed25519 \
	    -out "ed-os-$1.pem"
}
# The same without the disk: both print the key on stdout.
dkim_eds_am() {
	timed_us dkim_eds_am "$ARCHMAIL" dkim keygen -t ed25519 -b 0 \
	    -s dkim-ed25519 -d archlinux.org >/dev/null
}
dkim_eds_os() {
	timed_us dkim_eds_os openssl genpkey -algorithm ed25519 >/dev/null
}
dkim_rsa_am() {
	cd "$WORK/dkim"
	timed_us "dkim_r${DKIM_BITS}_am" "$ARCHMAIL" dkim keygen -t rsa \
	    -b "$DKIM_BITS" -s dkim-rsa -d archlinux.org \
	    -k "rsa$DKIM_BITS-am-$1.key" >"rsa$DKIM_BITS-am-$1.rec"
}
dkim_rsa_os() {
	cd "$WORK/dkim"
	timed_us "dkim_r${DKIM_BITS}_os" openssl genpkey -algorithm rsa \
	    -pkeyopt "rsa_keygen_bits:$DKIM_BITS" -out "rsa$DKIM_BITS-os-$1.pem"
}

# p= of a printed record, and the public key openssl derives from the
# key file (Ed25519: the last 32 bytes of the SPKI, RFC 8463).
dkim_p_of() {
	tr -d '\n\t' <"$1" | sed 's/" *"//g; s/.*p=\([^"]*\)".*/\1/'; echo
}
dkim_openssl_p() {
	openssl pkey -in "$1" -pubout -outform DER |
	    if [ "$2" = ed25519 ]; then tail -c 32; else cat; fi | base64 -w0
	echo
}

section_dkim() {
	local RUNS bits
	note "section dkim: keygen, archmail against openssl genpkey"
	command -v openssl >/dev/null || { note "openssl not found"; exit 2; }
	rm -rf "$WORK/dkim"
	mkdir -p "$WORK/dkim"

	RUNS=$DKIM_ED_RUNS
	each_run dkim_ed_am dkim_ed_os dkim_eds_am dkim_eds_os
	row "dkim ed25519 keygen -k: archmail / openssl" \
	    "$(ms "$(median dkim_ed_am 1)")" "$(ms "$(median dkim_ed_os 1)")" \
	    1.0 "%.2f ms"
	row "dkim ed25519 to stdout: archmail / openssl" \
	    "$(ms "$(median dkim_eds_am 1)")" \
	    "$(ms "$(median dkim_eds_os 1)")" - "%.2f ms"

	RUNS=$DKIM_RSA_RUNS
	for bits in 2048 4096; do
		DKIM_BITS=$bits
		each_run dkim_rsa_am dkim_rsa_os
		row "dkim rsa-$bits keygen min: archmail / openssl" \
		    "$(stat_of "dkim_r${bits}_am" min)" \
		    "$(stat_of "dkim_r${bits}_os" min)" - "%.3f s"
		row "dkim rsa-$bits keygen median" \
		    "$(median "dkim_r${bits}_am" 1)" \
		    "$(median "dkim_r${bits}_os" 1)" - "%.3f s"
		row "dkim rsa-$bits keygen max" \
		    "$(stat_of "dkim_r${bits}_am" max)" \
		    "$(stat_of "dkim_r${bits}_os" max)" - "%.3f s"
	done

	# A benchmark of wrong output is no benchmark: the record printed
	# carries the key written.
	cd "$WORK/dkim"
	dkim_p_of ed-am-1.rec >ed.p
	dkim_openssl_p ed-am-1.key ed25519 >ed.openssl
	check_row "dkim ed25519: p= = openssl's public key" ed.p ed.openssl
	dkim_p_of rsa4096-am-1.rec >rsa.p
	dkim_openssl_p rsa4096-am-1.key rsa >rsa.openssl
	check_row "dkim rsa-4096: p= = openssl's public key" rsa.p rsa.openssl
}

# The Ansible address module with entries: of 1,000 new addresses, one
# task of one ansible-playbook -c local run on a sysroot (a fresh copy,
# untimed, each run), against the absolute goal of 2 s: the reference
# column is that goal, so the ratio is the share of it used.
ansible_run() {
	rm -rf "$WORK/ansible/root"
	cp -a "$WORK/ansible/base" "$WORK/ansible/root"
	timed ansible_run ansible-playbook -c local -i "$WORK/ansible/inventory" \
	    "$WORK/ansible/thousand.yml" >/dev/null
}
section_ansible() {
	local A=$WORK/ansible repo
	note "section ansible: the address module, 1,000 entries in one task"
	command -v ansible-playbook >/dev/null ||
	    { note "ansible-playbook not found"; exit 2; }
	repo=$(cd "$HERE/../.." && pwd)
	rm -rf "$A"
	mkdir -p "$A/base/etc/postfix" "$A/collections/ansible_collections/archmail" \
	    "$A/home" "$A/tmp"
	ln -s "$repo/ansible" "$A/collections/ansible_collections/archmail/mailhost"
	cp "$CONF/main.cf" "$A/base/etc/postfix/main.cf"
	printf 'root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n' \
	    >"$A/base/etc/passwd"
	printf '# Developers\nalice@archlinux.org\talice\nbob@archlinux.org\talice\n' \
	    >"$A/base/etc/postfix/users"
	"$ARCHMAIL" --root "$A/base" -q postmap \
	    "lmdb:$A/base/etc/postfix/users"
	printf 'localhost ansible_connection=local\n' >"$A/inventory"
	python3 - "$A/root" "$ARCHMAIL" >"$A/thousand.yml" <<'PY'
import json, sys
entries = [{'address': 'user%04d@archlinux.org' % i, 'destination': ['alice'],
            'category': 'Developers'} for i in range(1000)]
print(json.dumps([{'hosts': 'localhost', 'gather_facts': False,
    'tasks': [{'name': 'thousand', 'archmail.mailhost.address': {
        'root': sys.argv[1], 'archmail': sys.argv[2], 'entries': entries}}]}]))
PY
	export ANSIBLE_COLLECTIONS_PATH=$A/collections ANSIBLE_HOME=$A/home \
	    ANSIBLE_LOCAL_TEMP=$A/tmp ANSIBLE_REMOTE_TEMP=$A/tmp \
	    ANSIBLE_PYTHON_INTERPRETER=$(command -v python3) \
	    ANSIBLE_LOCALHOST_WARNING=False ANSIBLE_NOCOLOR=1 \
	    ANSIBLE_INVENTORY_UNPARSED_WARNING=False
	each_run ansible_run
	row "ansible address, 1,000 entries / 2 s goal" \
	    "$(median ansible_run 1)" 2.00 1.0 "%.2f s"
	"$ARCHMAIL" --root "$A/root" users list --category Developers |
	    grep -c '@archlinux.org' >"$A/count" || true
	echo 1002 >"$A/want"
	check_row "ansible address: 1,000 added" "$A/count" "$A/want"
}

# --- main --------------------------------------------------------------------

for s in $BENCH_SECTIONS; do
	"section_$s"
done
cd "$WORK"

echo "archmail benchmark  $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine:   $(uname -srm), $(nproc) CPUs"
echo "archmail:  $ARCHMAIL"
echo "postfix:   $(postconf -c "$CONF" -h mail_version 2>/dev/null ||
	echo unknown)"
echo "runs:      $RUNS per command (medians), data in $DATA"
echo
printf '%-42s %12s %12s %7s %6s  %s\n' \
    "" "archmail" "reference" "ratio" "goal" "verdict"
cat "$TABLE"
exit 0
