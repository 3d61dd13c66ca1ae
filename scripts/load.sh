#!/usr/bin/env bash
# Load benchmark: errcat against a bare axum app answering with static bodies of the same size,
# on two paths:
#
#   404  GET /nope                      unknown route: errcat's layer renders not_found
#   422  POST /faxes  {"to": 5}         the Json extractor rejects it; errcat renders the 422
#
# Four servers, all in the same run:
#   bare          examples/bare.rs: static bodies, no errcat
#   errcat stack  examples/errcat_stack.rs: the same routes with errcat's layer and Json extractor,
#                 the layer wrapping the finished router (`Errcat::service`), as errcat advises
#   per-route     the same, installed with `Router::with_errcat` (axum's `Router::layer`), which
#                 wraps each route and clones and boxes the layer's service per request
#   demo          the demo API: errcat plus auth, rate limits (set too high to refuse),
#                 idempotency keys, a timeout, a global concurrency limit and load shedding
#                 (tower layers that bare lacks)
#
# Prints requests/second for each and the ratios to bare per path (the median ratio over RUNS
# runs). Servers listen on loopback only and are stopped on exit.
#
# Environment:
#   DURATION=10        seconds per measurement
#   RUNS=1             runs per path (RUNS=7 prints the median of seven ratios)
#   THREADS=2 CONNECTIONS=32
#   DEMO_ADDR=127.0.0.1:18080 BARE_ADDR=127.0.0.1:18081
#   RUST_LOG=warn      the demo's log filter; RUST_LOG=info adds one log line per error response
#   CARGO_TARGET_DIR   where cargo builds (default: target)
#
# Needs wrk (apt-get install -y wrk) or oha (cargo install oha), and curl.
set -euo pipefail

cd "$(dirname "$0")/.."

DURATION=${DURATION:-10}
RUNS=${RUNS:-1}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-32}
DEMO_ADDR=${DEMO_ADDR:-127.0.0.1:18080}
BARE_ADDR=${BARE_ADDR:-127.0.0.1:18081}
STACK_ADDR=${STACK_ADDR:-127.0.0.1:18082}
ROUTE_ADDR=${ROUTE_ADDR:-127.0.0.1:18083}
DEMO_LOG=${RUST_LOG:-warn}
SANDBOX_KEY=mfx_test_demo
POST_BODY='{"to": 5}'

# shellcheck source=scripts/common.sh
source scripts/common.sh
require_loopback "$DEMO_ADDR" "$BARE_ADDR" "$STACK_ADDR" "$ROUTE_ADDR"

if command -v wrk >/dev/null 2>&1; then
    TOOL=wrk
elif command -v oha >/dev/null 2>&1; then
    TOOL=oha
else
    echo "error: no load tool found. Install wrk (apt-get install -y wrk) or oha (cargo install oha)." >&2
    exit 1
fi
if ! command -v curl >/dev/null 2>&1; then
    echo "error: curl is needed to check the servers (apt-get install -y curl)." >&2
    exit 1
fi

echo "building errcat-demo and the bare example (release)..."
cargo build --quiet --release -p errcat-demo --bin errcat-demo --example bare --example errcat_stack
TARGET_DIR=${CARGO_TARGET_DIR:-target}
DEMO_BIN=$TARGET_DIR/release/errcat-demo
BARE_BIN=$TARGET_DIR/release/examples/bare
STACK_BIN=$TARGET_DIR/release/examples/errcat_stack


# Limits high enough never to refuse: this benchmark measures the error paths, not the limiter
# (scripts/limits-load.sh measures that).
RUST_LOG=$DEMO_LOG "$DEMO_BIN" --addr "$DEMO_ADDR" --key-rate 4000000000 --key-hourly 4000000000 \
    --ip-rate 4000000000 >"$WORK/demo.log" 2>&1 &
DEMO_PID=$!
PIDS+=("$DEMO_PID")
"$BARE_BIN" "$BARE_ADDR" >"$WORK/bare.log" 2>&1 &
BARE_PID=$!
PIDS+=("$BARE_PID")
"$STACK_BIN" "$STACK_ADDR" >"$WORK/stack.log" 2>&1 &
STACK_PID=$!
PIDS+=("$STACK_PID")
"$STACK_BIN" "$ROUTE_ADDR" --per-route >"$WORK/route.log" 2>&1 &
ROUTE_PID=$!
PIDS+=("$ROUTE_PID")

wait_up errcat-demo "$DEMO_ADDR" "$DEMO_PID" "$WORK/demo.log"
wait_up bare "$BARE_ADDR" "$BARE_PID" "$WORK/bare.log"
wait_up errcat-stack "$STACK_ADDR" "$STACK_PID" "$WORK/stack.log"
wait_up errcat-per-route "$ROUTE_ADDR" "$ROUTE_PID" "$WORK/route.log"

# Both servers must answer each path with the same status and body size, or the comparison is off.
probe() { # METHOD URL -> "status size"
    if [ "$1" = POST ]; then
        curl -s -o /dev/null -w '%{http_code} %{size_download}' -X POST "$2" \
            -H "Authorization: Bearer $SANDBOX_KEY" -H 'Content-Type: application/json' --data "$POST_BODY"
    else
        curl -s -o /dev/null -w '%{http_code} %{size_download}' "$2"
    fi
}
for check in "GET /nope 404" "POST /faxes 422"; do
    read -r method path status <<<"$check"
    read -r ds dsize <<<"$(probe "$method" "http://$DEMO_ADDR$path")"
    read -r bs bsize <<<"$(probe "$method" "http://$BARE_ADDR$path")"
    read -r ss ssize <<<"$(probe "$method" "http://$STACK_ADDR$path")"
    read -r rs rsize <<<"$(probe "$method" "http://$ROUTE_ADDR$path")"
    if [ "$ds" != "$status" ] || [ "$bs" != "$status" ] || [ "$ss" != "$status" ] || [ "$rs" != "$status" ]; then
        echo "error: $method $path answered $ds (demo), $ss (errcat stack), $rs (per-route) and $bs (bare); expected $status" >&2
        exit 1
    fi
    if [ "$dsize" != "$bsize" ] || [ "$ssize" != "$bsize" ] || [ "$rsize" != "$bsize" ]; then
        echo "warning: $method $path bodies differ in size: demo $dsize, errcat stack $ssize, per-route $rsize, bare $bsize bytes; update examples/bare.rs" >&2
    else
        echo "$method $path: $status, $dsize-byte bodies on both"
    fi
done

cat >"$WORK/post.lua" <<LUA
wrk.method = "POST"
wrk.body = '$POST_BODY'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $SANDBOX_KEY"
LUA

# Prints the requests/second of one measurement: METHOD URL
rps() {
    local out
    if [ "$TOOL" = wrk ]; then
        if [ "$1" = POST ]; then
            out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" -s "$WORK/post.lua" "$2")
        else
            out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" "$2")
        fi
        if grep -q 'Socket errors' <<<"$out"; then
            echo "warning: $1 $2: $(grep 'Socket errors' <<<"$out" | xargs)" >&2
        fi
    else
        if [ "$1" = POST ]; then
            out=$(oha --no-tui -z "${DURATION}s" -c "$CONNECTIONS" -m POST \
                -H "Authorization: Bearer $SANDBOX_KEY" -H 'Content-Type: application/json' -d "$POST_BODY" "$2")
        else
            out=$(oha --no-tui -z "${DURATION}s" -c "$CONNECTIONS" "$2")
        fi
    fi
    awk '/Requests\/sec/ { print $2; exit }' <<<"$out"
}


echo "tool: $TOOL, $THREADS threads, $CONNECTIONS connections, ${DURATION}s per measurement, $RUNS run(s), demo RUST_LOG=$DEMO_LOG"
# Each server is measured between two measurements of bare and compared with their mean, so a
# burst of noise from the rest of the machine hits the server and its baseline alike. Per path
# and run: bare, stack, bare, per-route, bare, demo, bare (a run's last bare is the next one's
# first).
printf '%-4s %-17s %11s %13s %10s %11s %11s %10s %10s\n' run path "bare req/s" "errcat stack" "per-route" "demo req/s" "stack/bare" "route/bare" "demo/bare"
S404=()
S422=()
R404=()
R422=()
D404=()
D422=()
for check in "404 GET /nope" "422 POST /faxes"; do
    read -r code method path <<<"$check"
    prev=$(rps "$method" "http://$BARE_ADDR$path")
    for run in $(seq 1 "$RUNS"); do
        bares=("$prev")
        results=()
        for addr in "$STACK_ADDR" "$ROUTE_ADDR" "$DEMO_ADDR"; do
            x=$(rps "$method" "http://$addr$path")
            next=$(rps "$method" "http://$BARE_ADDR$path")
            base=$(awk -v a="$prev" -v b="$next" 'BEGIN { printf "%.2f", (a + b) / 2 }')
            results+=("$x" "$(ratio "$x" "$base")")
            bares+=("$next")
            prev=$next
        done
        b=$(median "${bares[@]}")
        st=${results[0]} rs=${results[1]} r=${results[2]} rr=${results[3]} d=${results[4]} rd=${results[5]}
        if [ "$code" = 404 ]; then
            S404+=("$rs"); R404+=("$rr"); D404+=("$rd")
        else
            S422+=("$rs"); R422+=("$rr"); D422+=("$rd")
        fi
        printf '%-4s %-17s %11s %13s %10s %11s %11s %10s %10s\n' "$run" "$code $method $path" "$b" "$st" "$r" "$d" "$rs" "$rr" "$rd"
    done
done
echo "median errcat-stack/bare: 404 $(median "${S404[@]}"), 422 $(median "${S422[@]}")"
echo "median per-route/bare:    404 $(median "${R404[@]}"), 422 $(median "${R422[@]}")"
echo "median demo/bare:         404 $(median "${D404[@]}"), 422 $(median "${D422[@]}")"
