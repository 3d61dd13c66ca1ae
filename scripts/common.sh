# Helpers shared by the load scripts (sourced, not run): loopback checks, a work folder whose
# servers are stopped on exit, waiting for a server, the demo's keys read from its banner, a
# throwaway redis-server and its command counts, and the arithmetic of the reports.

# Fails unless every address is on loopback: the benchmarks never listen elsewhere.
require_loopback() {
    local addr
    for addr in "$@"; do
        case "$addr" in
            127.*:* | localhost:*) ;;
            *) echo "error: $addr is not a loopback address; the benchmark listens on 127.0.0.1 only" >&2; exit 1 ;;
        esac
    done
}

# WORK is a temporary folder; every pid added to PIDS is stopped, and WORK removed, on exit.
WORK=$(mktemp -d)
PIDS=()
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Waits until a server answers any HTTP status (and fails if it died, say on a busy port).
wait_up() { # NAME ADDR PID LOG
    local name=$1 addr=$2 pid=$3 log=$4
    for _ in $(seq 1 100); do
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "error: $name exited before answering:" >&2
            cat "$log" >&2
            exit 1
        fi
        if [ "$(curl -s -o /dev/null -w '%{http_code}' "http://$addr/nope" || true)" != 000 ]; then
            return 0
        fi
        sleep 0.1
    done
    echo "error: $name did not answer on $addr within 10 s" >&2
    exit 1
}

# Prints the key the demo's banner shows for NAME (sandbox, live, account or free). The demo
# makes new keys at each start and prints them on stdout, in lines like `  sandbox  mfx_test_…`;
# LOG is the file its stdout went to. Call it after wait_up: the banner is printed before the
# demo answers.
demo_key() { # NAME LOG
    local key
    key=$(awk -v name="$1" '$1 == name && $2 ~ /^mfx_[a-z]+_[A-Za-z0-9]+$/ { print $2; exit }' "$2")
    if [ -z "$key" ]; then
        echo "error: the demo's banner in $2 shows no $1 key (a line like '  $1  mfx_test_...'); its output was:" >&2
        cat "$2" >&2
        exit 1
    fi
    printf '%s\n' "$key"
}

# Starts a throwaway redis-server (no persistence, loopback only) on the first free port from
# FIRST on, stopped on exit; sets REDIS_PORT and REDIS_PID. A port some other server holds is
# skipped: the one answering must be ours (its process_id is checked).
start_redis() { # FIRST
    local port pid
    for port in $(seq "$1" $(($1 + 20))); do
        if redis-cli -p "$port" ping >/dev/null 2>&1; then
            continue
        fi
        redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$WORK" \
            >"$WORK/redis-$port.log" 2>&1 &
        pid=$!
        PIDS+=("$pid")
        for _ in $(seq 1 100); do
            if ! kill -0 "$pid" 2>/dev/null; then
                break
            fi
            if redis-cli -p "$port" info server 2>/dev/null | tr -d '\r' | grep -qx "process_id:$pid"; then
                REDIS_PORT=$port
                REDIS_PID=$pid
                return 0
            fi
            sleep 0.1
        done
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    echo "error: could not start redis-server on any port from $1 to $(($1 + 20)); see $WORK/redis-*.log" >&2
    exit 1
}

# Prints how many commands the redis-server on PORT has run (the calls of INFO commandstats,
# summed over every command but INFO itself). Commands a Lua script runs count too.
redis_commands() { # PORT
    redis-cli -p "$1" info commandstats |
        awk -F'[:=,]' '/^cmdstat_/ && $1 != "cmdstat_info" { n += $3 } END { print n + 0 }'
}

# Waits until FILE has a line matching PATTERN (at most 10 s): WHAT names it in the error.
wait_for_line() { # FILE PATTERN WHAT
    for _ in $(seq 1 100); do
        if grep -q -- "$2" "$1" 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    echo "error: $3 did not appear within 10 s in $1:" >&2
    cat "$1" >&2
    exit 1
}

# Sends N requests with curl, one after the other on one connection, while MONITOR watches the
# redis-server on PORT, and prints "SENT SCRIPTED WHICH": per request, the commands the server
# sent (each a round trip unless pipelined), those that Lua scripts ran inside Redis, and which
# commands were sent (like `evalsha=2.00`). Warns unless
# all N answered STATUS. CURL_ARGS are the requests' options (headers, body); URL comes last.
# MONITOR slows Redis down: call it outside timed measurements.
redis_round_trips() { # PORT N STATUS CURL_ARGS... URL
    local port=$1 n=$2 status=$3
    shift 3
    local url=${*: -1}
    local opts=("${@:1:$#-1}")
    local log=$WORK/monitor-$port.log marker=errcat-load-marker-$$
    redis-cli -p "$port" monitor >"$log" 2>&1 &
    local mpid=$!
    PIDS+=("$mpid")
    wait_for_line "$log" '^OK' "redis-cli monitor's OK"
    local targets=() answered
    for _ in $(seq 1 "$n"); do
        targets+=(-o /dev/null "$url")
    done
    answered=$(curl -s --max-time 60 -w '%{http_code}\n' "${opts[@]}" "${targets[@]}" | grep -c "^$status\$" || true)
    redis-cli -p "$port" echo "$marker" >/dev/null
    wait_for_line "$log" "$marker" "the marker command"
    kill "$mpid" 2>/dev/null || true
    wait "$mpid" 2>/dev/null || true
    if [ "$answered" != "$n" ]; then
        echo "warning: $url: $answered of $n requests answered $status while counting Redis commands" >&2
    fi
    # Lines look like `1700000000.000000 [0 127.0.0.1:43888] "evalsha" ...`, `[0 lua]` inside a
    # script.
    awk -v n="$n" -v marker="$marker" '
        index($0, marker) { next }
        $2 ~ /^\[[0-9]+$/ {
            if ($3 == "lua]") { scripted++; next }
            sent++
            name = tolower($4)
            gsub(/"/, "", name)
            count[name]++
        }
        END {
            which = ""
            for (name in count) which = which (which == "" ? "" : ",") sprintf("%s=%.2f", name, count[name] / n)
            printf "%.2f %.2f %s\n", sent / n, scripted / n, (which == "" ? "none" : which)
        }' "$log"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
