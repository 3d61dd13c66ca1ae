#!/usr/bin/env bash
# Load benchmark of the rate limiter in the demo: a refused request must cost no more than an
# admitted one. Both paths run against the same server, in the same run:
#
#   200  GET /faxes with the sandbox key, whose limit is set too high to refuse: the request
#        passes the limiter, auth and the handler, and gets an empty list
#   429  GET /faxes with the free key (2 per second): after the first two, every request is
#        refused by the limiter with the catalog's 429 envelope and its headers
#
# once with limits in memory, and once on Redis (a throwaway redis-server this script starts on
# a free loopback port, when redis-server and redis-cli are installed; "skipped" otherwise). The
# demo makes new keys at each start: both are read from the banner it prints. Prints
# requests/second of each path and the ratio 429/200 (median over RUNS runs): at least 1.0 means
# a refusal costs no more. Servers listen on loopback only and are stopped on exit.
#
# Environment:
#   DURATION=10 RUNS=1 THREADS=2 CONNECTIONS=32
#   DEMO_ADDR=127.0.0.1:18090
#   REDIS_PORT=16390   the first port tried for redis-server (the next ones if it is taken)
#   CARGO_TARGET_DIR   where cargo builds (default: target)
#
# Needs wrk (apt-get install -y wrk) and curl; redis-server and redis-cli
# (apt-get install -y redis-server) for the Redis half.
set -euo pipefail

cd "$(dirname "$0")/.."

DURATION=${DURATION:-10}
RUNS=${RUNS:-1}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-32}
DEMO_ADDR=${DEMO_ADDR:-127.0.0.1:18090}
REDIS_PORT=${REDIS_PORT:-16390}

# shellcheck source=scripts/common.sh
source scripts/common.sh
require_loopback "$DEMO_ADDR"
for tool in wrk curl; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "error: $tool is needed (apt-get install -y $tool)" >&2
        exit 1
    fi
done

echo "building errcat-demo (release)..."
cargo build --quiet --release -p errcat-demo --bin errcat-demo
DEMO_BIN=${CARGO_TARGET_DIR:-target}/release/errcat-demo


status_of() { curl -s -o /dev/null -w '%{http_code}' "http://$DEMO_ADDR/faxes" -H "Authorization: Bearer $1"; }

rps() { # KEY PATH(200|429)
    local out
    out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" -H "Authorization: Bearer $1" "http://$DEMO_ADDR/faxes")
    if grep -q 'Non-2xx' <<<"$out" && [ "$2" = 200 ]; then
        echo "warning: the 200 path had refusals: $(grep 'Non-2xx' <<<"$out" | xargs)" >&2
    fi
    if grep -q 'Socket errors' <<<"$out"; then
        echo "warning: the $2 path: $(grep 'Socket errors' <<<"$out" | xargs)" >&2
    fi
    awk '/Requests\/sec/ { print $2; exit }' <<<"$out"
}

# Runs the two paths against a demo started with extra flags: LABEL FLAGS...
measure() {
    local label=$1
    shift
    RUST_LOG=warn "$DEMO_BIN" --addr "$DEMO_ADDR" --key-rate 4000000000 --key-hourly 4000000000 \
        --ip-rate 4000000000 --metrics-addr 127.0.0.1:0 "$@" \
        >"$WORK/demo.log" 2>&1 &
    local pid=$!
    PIDS+=("$pid")
    wait_up errcat-demo "$DEMO_ADDR" "$pid" "$WORK/demo.log"
    local paid_key free_key ok limited
    paid_key=$(demo_key sandbox "$WORK/demo.log")
    free_key=$(demo_key free "$WORK/demo.log")
    ok=$(status_of "$paid_key")
    status_of "$free_key" >/dev/null
    status_of "$free_key" >/dev/null
    limited=$(status_of "$free_key")
    if [ "$ok" != 200 ] || [ "$limited" != 429 ]; then
        echo "error: $label: the paths answered $ok and $limited; expected 200 and 429" >&2
        exit 1
    fi
    local ratios=()
    for run in $(seq 1 "$RUNS"); do
        local a r
        a=$(rps "$paid_key" 200)
        r=$(rps "$free_key" 429)
        ratios+=("$(ratio "$r" "$a")")
        printf '%-7s %-4s %14s %14s %10s\n' "$label" "$run" "$a" "$r" "${ratios[-1]}"
    done
    echo "$label: median 429/200 $(median "${ratios[@]}")"
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

echo "wrk: $THREADS threads, $CONNECTIONS connections, ${DURATION}s per measurement, $RUNS run(s)"
printf '%-7s %-4s %14s %14s %10s\n' store run "200 req/s" "429 req/s" "429/200"
measure memory

if command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1; then
    start_redis "$REDIS_PORT"
    measure redis --redis "redis://127.0.0.1:$REDIS_PORT/"
else
    echo "redis: skipped (redis-server or redis-cli not installed: apt-get install -y redis-server)"
fi
