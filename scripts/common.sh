# Helpers shared by the load scripts (sourced, not run): loopback checks, a work folder whose
# servers are stopped on exit, waiting for a server, and the arithmetic of the reports.

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

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
