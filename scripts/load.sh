#!/usr/bin/env bash
# Load benchmark: errcat against a bare axum app answering with static bodies of the same size,
# on three paths:
#
#   404  GET /nope                      unknown route: errcat's layer renders not_found
#   422  POST /faxes  {"to": 5}         the Json extractor rejects it; errcat renders the 422
#   200  GET /faxes   sandbox key       authenticated success: the demo checks the key and its
#                                       rate limits and answers [] (bare and the stack answer []
#                                       without checking anything)
#
# Servers, all in the same run:
#   bare          examples/bare.rs: static bodies, no errcat
#   errcat stack  examples/errcat_stack.rs: the same routes with errcat's layer and Json extractor,
#                 the layer wrapping the finished router (`Errcat::service`), as errcat advises
#   per-route     the same, installed with `Router::with_errcat` (axum's `Router::layer`), which
#                 wraps each route and clones and boxes the layer's service per request
#   demo          the demo API: errcat plus auth, rate limits (set too high to refuse),
#                 idempotency keys, a timeout, a global concurrency limit and load shedding
#                 (tower layers that bare lacks), its state in memory
#   demo on Redis the same demo with `--redis`, on a throwaway redis-server this script starts on
#                 a free loopback port (only when redis-server and redis-cli are installed;
#                 "skipped" otherwise), measured on the 422 and 200 paths
#
# The demo makes new API keys at each start; they are read from the banner it prints.
#
# Prints requests/second for each and the ratios to bare per path (the median ratio over RUNS
# runs). Each server is measured between two measurements of bare and compared with their mean.
# The demo on Redis is also compared with the demo in memory (the ratio of their ratios to
# bare), and its Redis commands per request are counted: INFO commandstats before and after
# each of its measurements (calls of every command but INFO, commands run inside Lua scripts
# included) over the requests wrk reports. After the timed runs, MONITOR watches REDIS_PROBE
# requests sent one by one and splits that figure into the commands the demo sent (its round
# trips, as none is pipelined on these paths) and those its Lua scripts ran inside Redis.
# Servers listen on loopback only and are stopped on exit.
#
# Environment:
#   DURATION=10        seconds per measurement
#   RUNS=1             runs per path (RUNS=7 prints the median of seven ratios)
#   THREADS=2 CONNECTIONS=32
#   DEMO_ADDR=127.0.0.1:18080 BARE_ADDR=127.0.0.1:18081 STACK_ADDR=127.0.0.1:18082
#   ROUTE_ADDR=127.0.0.1:18083 REDIS_DEMO_ADDR=127.0.0.1:18084
#   REDIS=auto         "off" skips the Redis pass
#   REDIS_PORT=16380   the first port tried for redis-server (the next ones if it is taken)
#   REDIS_PROBE=200    requests per path watched with MONITOR
#   RUST_LOG=warn      the demo's log filter; RUST_LOG=info adds one log line per error response
#   CARGO_TARGET_DIR   where cargo builds (default: target)
#
# Needs wrk (apt-get install -y wrk) or oha (cargo install oha), and curl; redis-server and
# redis-cli (apt-get install -y redis-server) for the Redis pass.
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
REDIS_DEMO_ADDR=${REDIS_DEMO_ADDR:-127.0.0.1:18084}
REDIS=${REDIS:-auto}
REDIS_PORT=${REDIS_PORT:-16380}
REDIS_PROBE=${REDIS_PROBE:-200}
DEMO_LOG=${RUST_LOG:-warn}
POST_BODY='{"to": 5}'

# shellcheck source=scripts/common.sh
source scripts/common.sh
require_loopback "$DEMO_ADDR" "$BARE_ADDR" "$STACK_ADDR" "$ROUTE_ADDR" "$REDIS_DEMO_ADDR"

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
if [ "$REDIS" = off ]; then
    USE_REDIS=0
    REDIS_NOTE="skipped (REDIS=off)"
elif command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1; then
    USE_REDIS=1
else
    USE_REDIS=0
    REDIS_NOTE="skipped (redis-server or redis-cli not installed: apt-get install -y redis-server)"
fi

echo "building errcat-demo and the bare example (release)..."
cargo build --quiet --release -p errcat-demo --bin errcat-demo --example bare --example errcat_stack
TARGET_DIR=${CARGO_TARGET_DIR:-target}
DEMO_BIN=$TARGET_DIR/release/errcat-demo
BARE_BIN=$TARGET_DIR/release/examples/bare
STACK_BIN=$TARGET_DIR/release/examples/errcat_stack

# Limits high enough never to refuse: this benchmark measures the paths, not the limiter
# (scripts/limits-load.sh measures that).
# Each demo serves its metrics on a port of its own (any free one), so two can run at once.
DEMO_FLAGS=(--key-rate 4000000000 --key-hourly 4000000000 --ip-rate 4000000000
    --metrics-addr 127.0.0.1:0)
RUST_LOG=$DEMO_LOG "$DEMO_BIN" --addr "$DEMO_ADDR" "${DEMO_FLAGS[@]}" >"$WORK/demo.log" 2>&1 &
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
if [ "$USE_REDIS" = 1 ]; then
    start_redis "$REDIS_PORT"
    RUST_LOG=$DEMO_LOG "$DEMO_BIN" --addr "$REDIS_DEMO_ADDR" "${DEMO_FLAGS[@]}" \
        --redis "redis://127.0.0.1:$REDIS_PORT/" >"$WORK/redis-demo.log" 2>&1 &
    REDIS_DEMO_PID=$!
    PIDS+=("$REDIS_DEMO_PID")
fi

wait_up errcat-demo "$DEMO_ADDR" "$DEMO_PID" "$WORK/demo.log"
wait_up bare "$BARE_ADDR" "$BARE_PID" "$WORK/bare.log"
wait_up errcat-stack "$STACK_ADDR" "$STACK_PID" "$WORK/stack.log"
wait_up errcat-per-route "$ROUTE_ADDR" "$ROUTE_PID" "$WORK/route.log"
SANDBOX_KEY=$(demo_key sandbox "$WORK/demo.log")
SERVERS=("$STACK_ADDR" "$ROUTE_ADDR" "$DEMO_ADDR")
if [ "$USE_REDIS" = 1 ]; then
    wait_up errcat-demo-redis "$REDIS_DEMO_ADDR" "$REDIS_DEMO_PID" "$WORK/redis-demo.log"
    REDIS_SANDBOX_KEY=$(demo_key sandbox "$WORK/redis-demo.log")
    SERVERS+=("$REDIS_DEMO_ADDR")
fi

# The key a server is sent on the authenticated paths: each demo its own sandbox key; bare and
# the stack ignore it (they get the in-memory demo's, of the same length).
key_for() { # ADDR
    if [ "$USE_REDIS" = 1 ] && [ "$1" = "$REDIS_DEMO_ADDR" ]; then
        printf '%s\n' "$REDIS_SANDBOX_KEY"
    else
        printf '%s\n' "$SANDBOX_KEY"
    fi
}

# Sets REQUEST to curl's options for one path: METHOD AUTH(yes|no) ADDR
request_opts() {
    REQUEST=()
    if [ "$2" = yes ]; then
        REQUEST+=(-H "Authorization: Bearer $(key_for "$3")")
    fi
    if [ "$1" = POST ]; then
        REQUEST+=(-X POST -H 'Content-Type: application/json' --data "$POST_BODY")
    fi
}

# The paths: STATUS METHOD PATH AUTH
CHECKS=("404 GET /nope no" "422 POST /faxes yes" "200 GET /faxes yes")

# Every server must answer each path with the same status, body size and content type, or the
# comparison is off.
probe() { # METHOD AUTH URL ADDR -> "status size content-type"
    request_opts "$1" "$2" "$4"
    curl -s -o /dev/null -w '%{http_code} %{size_download} %{content_type}' "${REQUEST[@]}" "$3"
}
NAMES=([0]=bare [1]="errcat stack" [2]=per-route [3]=demo [4]="demo on Redis")
for check in "${CHECKS[@]}"; do
    read -r status method path auth <<<"$check"
    answers=()
    bad=0
    differ=0
    for addr in "$BARE_ADDR" "${SERVERS[@]}"; do
        answers+=("$(probe "$method" "$auth" "http://$addr$path" "$addr")")
    done
    read -r _ bsize btype <<<"${answers[0]}"
    summary=()
    for i in "${!answers[@]}"; do
        read -r s size type <<<"${answers[$i]}"
        summary+=("$s ${NAMES[$i]}")
        if [ "$s" != "$status" ]; then
            bad=1
        fi
        if [ "$size" != "$bsize" ] || [ "$type" != "$btype" ]; then
            differ=1
        fi
    done
    if [ "$bad" = 1 ]; then
        echo "error: $method $path answered $(IFS=,; echo "${summary[*]}" | sed 's/,/, /g'); expected $status" >&2
        exit 1
    fi
    if [ "$differ" = 1 ]; then
        echo "warning: $method $path bodies differ in size or type:" >&2
        for i in "${!answers[@]}"; do
            echo "  ${NAMES[$i]}: ${answers[$i]}" >&2
        done
        echo "  update examples/bare.rs" >&2
    else
        echo "$method $path: $status, $bsize-byte $btype bodies on all ${#answers[@]} servers"
    fi
done

cat >"$WORK/post.lua" <<LUA
wrk.method = "POST"
wrk.body = '$POST_BODY'
wrk.headers["Content-Type"] = "application/json"
LUA

# Prints "REQUESTS/SECOND REQUESTS" of one measurement: STATUS METHOD AUTH ADDR PATH
rps() {
    local status=$1 method=$2 auth=$3 addr=$4 url="http://$4$5" out
    local headers=()
    if [ "$auth" = yes ]; then
        headers=(-H "Authorization: Bearer $(key_for "$addr")")
    fi
    if [ "$TOOL" = wrk ]; then
        if [ "$method" = POST ]; then
            out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" "${headers[@]}" -s "$WORK/post.lua" "$url")
        else
            out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" "${headers[@]}" "$url")
        fi
        if grep -q 'Socket errors' <<<"$out"; then
            echo "warning: $method $url: $(grep 'Socket errors' <<<"$out" | xargs)" >&2
        fi
        if [ "$status" = 200 ] && grep -q 'Non-2xx' <<<"$out"; then
            echo "warning: $method $url: $(grep 'Non-2xx' <<<"$out" | xargs)" >&2
        fi
        awk '/requests in/ { n = $1 } /Requests\/sec/ { r = $2 } END { print r, n }' <<<"$out"
    else
        local opts=("${headers[@]}")
        if [ "$method" = POST ]; then
            opts+=(-m POST -H 'Content-Type: application/json' -d "$POST_BODY")
        fi
        out=$(oha --no-tui -z "${DURATION}s" -c "$CONNECTIONS" "${opts[@]}" "$url")
        awk '/Requests\/sec/ { r = $2 } /\[[0-9]+\] [0-9]+ responses/ { n += $2 } END { print r, n }' <<<"$out"
    fi
}

# Results, as space-separated lists: RES["stack 404"], RES["route 422"], RES["redis/demo 200"]...
declare -A RES
keep() { RES["$1 $2"]="${RES["$1 $2"]:-} $3"; }

echo "tool: $TOOL, $THREADS threads, $CONNECTIONS connections, ${DURATION}s per measurement, $RUNS run(s), demo RUST_LOG=$DEMO_LOG"
if [ "$USE_REDIS" = 1 ]; then
    echo "Redis pass: redis-server $(redis-server --version | awk '{ print $3 }' | sed 's/v=//') on 127.0.0.1:$REDIS_PORT"
else
    echo "Redis pass: $REDIS_NOTE"
fi
# Per path and run: bare, stack, bare, per-route, bare, demo, bare(, demo on Redis, bare); a
# run's last bare is the next one's first. Each server's ratio is to the mean of the bare
# measurements around it, so a burst of noise from the rest of the machine hits the server and
# its baseline alike; redis/mem is the demo on Redis's ratio over the demo's.
echo "columns: requests/second of bare, the errcat stack, per-route, the demo and the demo on Redis;"
echo "their ratios to bare (s/, r/, d/, R/bare); R/d = demo on Redis / demo in memory; Redis commands per request"
row='%-3s %-16s %9s %9s %9s %9s %9s %7s %7s %7s %7s %7s %7s\n'
# shellcheck disable=SC2059
printf "$row" run path bare stack route demo redis s/bare r/bare d/bare R/bare R/d cmd/req
for check in "${CHECKS[@]}"; do
    read -r code method path auth <<<"$check"
    servers=("$STACK_ADDR" "$ROUTE_ADDR" "$DEMO_ADDR")
    if [ "$USE_REDIS" = 1 ] && [ "$code" != 404 ]; then
        servers+=("$REDIS_DEMO_ADDR")
    fi
    read -r prev _ <<<"$(rps "$code" "$method" "$auth" "$BARE_ADDR" "$path")"
    for run in $(seq 1 "$RUNS"); do
        bares=("$prev")
        rates=()
        ratios=()
        cmds=-
        for addr in "${servers[@]}"; do
            if [ "$addr" = "$REDIS_DEMO_ADDR" ]; then
                before=$(redis_commands "$REDIS_PORT")
            fi
            read -r x requests <<<"$(rps "$code" "$method" "$auth" "$addr" "$path")"
            if [ "$addr" = "$REDIS_DEMO_ADDR" ]; then
                after=$(redis_commands "$REDIS_PORT")
                cmds=$(ratio "$((after - before))" "$requests")
                keep cmds "$code" "$cmds"
            fi
            read -r next _ <<<"$(rps "$code" "$method" "$auth" "$BARE_ADDR" "$path")"
            base=$(awk -v a="$prev" -v b="$next" 'BEGIN { printf "%.2f", (a + b) / 2 }')
            rates+=("$x")
            ratios+=("$(ratio "$x" "$base")")
            bares+=("$next")
            prev=$next
        done
        keep stack "$code" "${ratios[0]}"
        keep route "$code" "${ratios[1]}"
        keep demo "$code" "${ratios[2]}"
        redis_rate=- redis_ratio=- redis_mem=-
        if [ "${#servers[@]}" = 4 ]; then
            redis_rate=${rates[3]}
            redis_ratio=${ratios[3]}
            redis_mem=$(ratio "${ratios[3]}" "${ratios[2]}")
            keep redis "$code" "$redis_ratio"
            keep redis/demo "$code" "$redis_mem"
        fi
        # shellcheck disable=SC2059
        printf "$row" "$run" "$code $method $path" "$(median "${bares[@]}")" "${rates[0]}" "${rates[1]}" \
            "${rates[2]}" "$redis_rate" "${ratios[0]}" "${ratios[1]}" "${ratios[2]}" "$redis_ratio" \
            "$redis_mem" "$cmds"
    done
done

# The median over the runs of one result on each path that has it: NAME CODES...
medians() {
    local name=$1 code out=()
    shift
    for code in "$@"; do
        # shellcheck disable=SC2086
        out+=("$code $(median ${RES["$name $code"]})")
    done
    (IFS=,; echo "${out[*]}" | sed 's/,/, /g')
}
echo "median errcat-stack/bare:          $(medians stack 404 422 200)"
echo "median per-route/bare:             $(medians route 404 422 200)"
echo "median demo/bare:                  $(medians demo 404 422 200)"
if [ "$USE_REDIS" = 1 ]; then
    echo "median demo-on-redis/bare:         $(medians redis 422 200)"
    echo "median demo-on-redis/demo-in-memory: $(medians redis/demo 422 200)"
    echo "median Redis commands per request (INFO commandstats over wrk's requests): $(medians cmds 422 200)"
    for check in "422 POST /faxes yes" "200 GET /faxes yes"; do
        read -r code method path auth <<<"$check"
        request_opts "$method" "$auth" "$REDIS_DEMO_ADDR"
        read -r sent scripted which <<<"$(redis_round_trips "$REDIS_PORT" "$REDIS_PROBE" "$code" \
            "${REQUEST[@]}" "http://$REDIS_DEMO_ADDR$path")"
        echo "Redis per request on $code $method $path (MONITOR, $REDIS_PROBE requests one by one): $sent sent by the demo (round trips: $which), $scripted run inside its Lua scripts"
    done
else
    echo "Redis pass: $REDIS_NOTE"
fi
