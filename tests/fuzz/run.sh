#!/bin/sh
# Run every libFuzzer harness over its seed corpus plus N new inputs.
# Usage: tests/fuzz/run.sh BUILD_DIR [RUNS]    (RUNS default 20000)
# FUZZ_MAX_TIME=SECONDS caps each harness (default 25).
# BUILD_DIR was configured with CC=clang -DARCHMAIL_FUZZ=ON.  New inputs go
# to a scratch directory, not into the committed corpus.  Exits non-zero on
# the first crash, leak, sanitizer report or oracle failure (abort()); the
# input is left as BUILD_DIR/fuzz-artifacts/NAME-crash-* (or -leak-,
# -timeout-, -oom-).
set -eu
build=${1:?usage: run.sh BUILD_DIR [RUNS]}
runs=${2:-20000}
# Seconds per harness at most (a slow machine stops early, not late).
max_time=${FUZZ_MAX_TIME:-25}
here=$(cd "$(dirname "$0")" && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT INT TERM
status=0
artifacts=$build/fuzz-artifacts
mkdir -p "$artifacts"
for name in mapsource acct dkim_key dkim_record postfwd pam conf cli tok822 mapedit \
    logindefs mapedit_batch; do
	bin=$build/tests/fuzz/fuzz_$name
	if [ ! -x "$bin" ]; then
		echo "run.sh: $bin missing (build with -DARCHMAIL_FUZZ=ON)" >&2
		exit 1
	fi
	mkdir -p "$scratch/$name"
	echo "== fuzz_$name: corpus + $runs runs"
	# -max_total_time bounds a slow harness (RSA keys) in CI.
	if ! "$bin" -runs="$runs" -max_len=4096 -max_total_time="$max_time" \
	    -timeout=10 -rss_limit_mb=2048 -close_fd_mask=2 -print_final_stats=1 \
	    -artifact_prefix="$artifacts/$name-" \
	    "$scratch/$name" "$here/corpus/$name" \
	    >"$scratch/$name.log" 2>&1; then
		tail -n 60 "$scratch/$name.log" >&2
		echo "run.sh: fuzz_$name FAILED" >&2
		status=1
	else
		grep -E '^stat::number_of_executed_units|Done' \
		    "$scratch/$name.log" || true
	fi
done
exit $status
