#!/usr/bin/env bash
# The server benchmark (docs/benchmarks.md), in one run on loopback:
#   - the Rust counter backend (examples/counter.rs) with the memory and the SQLite store, and
#     with PostgreSQL (scripts/postgres.sh's throw-away server), one replica and two replicas
#     sharing the database (POSTGRES=0 skips it);
#   - the official Python SDK's counter server (ANCHOR, default ../shared/anchors/python-chatkit
#     next to the repository: its server.py and setup.sh), stock and with
#     `--cached-adapter --loop uvloop --http httptools`; skipped, saying so, when ANCHOR is
#     absent (or with PYTHON=0), and the table then has no Python column to compare with;
#   - the ceiling (examples/ceiling.rs): a bare axum endpoint answering one fixed SSE frame
#     as large as the counter's answer, without parsing anything;
# each driven by wrk with the same Lua script (POST, Content-Type) at 1 and 16 connections, on
# two workloads (WORKLOADS):
#   - one: every request acts on one thread (the same body each time, the Python anchor's);
#   - many: THREADS threads (64), one counter card each, requests round robin over their
#     bodies: many users at once.
# The threads and cards are created through the protocol before measuring (threads.create,
# then increment without a sender: the card), the same way on every server.
# Prints a markdown table: requests/s, p50 and p99 latency, peak RSS (VmHWM), and ratios
# against the ceiling and the faster Python configuration, then the targets.
#
#   scripts/bench-server.sh                         # 10 s per measurement
#   DURATION=2s WARMUP=1s scripts/bench-server.sh   # a smoke run
#   WORKLOADS=many CONNECTIONS=16 scripts/bench-server.sh
#   scripts/bench-server.sh soak                    # 60 s at 16 connections per store
#   SOAK_DURATION=600s SOAK_STORES=sqlite scripts/bench-server.sh soak   # 10 minutes, SQLite
#   scripts/bench-server.sh profile                 # callgrind: instructions per request
#   PROFILE_STORE=sqlite WORKLOADS=many scripts/bench-server.sh profile   # the SQLite store
#
# Needs: cargo, python3 (with venv), curl; installs wrk with apt-get when it is missing.
# Everything listens on 127.0.0.1 only; every process started here is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-2s}
CONNECTIONS=${CONNECTIONS:-"1 16"}
WORKLOADS=${WORKLOADS:-"one many"}
THREADS=${THREADS:-64}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target-bench}
anchor=${ANCHOR:-$root/../shared/anchors/python-chatkit}
venv=${VENV:-$root/target/python-anchor}
PYTHON=${PYTHON:-1}
port_base=${PORT_BASE:-38700}

work=$(mktemp -d "${TMPDIR:-/tmp}/bench-server.XXXXXX")
pids=()
postgres_started=0
cleanup() {
    if [ "$postgres_started" = 1 ]; then
        scripts/postgres.sh stop >/dev/null 2>&1 || true
    fi
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { printf '%s\n' "$*" >&2; }

# --- tools --------------------------------------------------------------------------------
if ! command -v wrk >/dev/null; then
    log "installing wrk"
    sudo_=""
    [ "$(id -u)" -eq 0 ] || sudo_=sudo
    $sudo_ apt-get update -qq
    $sudo_ apt-get install -y -qq wrk >/dev/null
fi
if [ "$PYTHON" = 1 ] && [ ! -f "$anchor/server.py" ]; then
    log "skipped: the Python SDK baseline, $anchor/server.py is absent (set ANCHOR to its folder)"
    PYTHON=0
fi
if [ "$PYTHON" = 1 ] && [ ! -x "$venv/bin/python" ]; then
    log "setting up the Python SDK baseline in $venv"
    "$anchor/setup.sh" "$venv" >&2
fi
log "building the counter and the ceiling (release)"
cargo build --release --quiet --example counter --example ceiling
bin=$CARGO_TARGET_DIR/release/examples

# --- helpers ------------------------------------------------------------------------------
# post PORT BODY: the raw answer of POST /chatkit.
post() {
    curl -sS --max-time 10 -H 'Content-Type: application/json' --data-binary "$2" \
        "http://127.0.0.1:$1/chatkit"
}

# sse_get FIELD: reads SSE on stdin, prints thread.created's thread id (FIELD=thread) or the
# id of the first widget item done (FIELD=widget).
sse_get() {
    python3 -c '
import json, sys
want = sys.argv[1]
for line in sys.stdin:
    if not line.startswith("data: "):
        continue
    event = json.loads(line[6:])
    if want == "thread" and event.get("type") == "thread.created":
        print(event["thread"]["id"]); break
    if want == "widget" and event.get("type") == "thread.item.done" and event["item"]["type"] == "widget":
        print(event["item"]["id"]); break
' "$1"
}

# start NAME PORT COMMAND…: starts a server in the background and waits (at most 60 s) until
# it accepts connections. Sets $server_pid.
start() {
    local name=$1 port=$2
    shift 2
    "$@" >"$work/$name.log" 2>&1 &
    server_pid=$!
    pids+=("$server_pid")
    for _ in $(seq 600); do
        if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/"; then
            return 0
        fi
        if ! kill -0 "$server_pid" 2>/dev/null; then
            log "$name exited:"
            cat "$work/$name.log" >&2
            exit 1
        fi
        sleep 0.1
    done
    log "$name did not start"
    exit 1
}

stop() {
    kill "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}

# seed PORT N FILE: creates N threads, each with a counter card, on the server through the
# protocol (threads.create, then `increment` without a sender, which adds the card), and
# writes the N load requests (increment from each card), one per line, to FILE.
seed() {
    python3 - "$@" <<'PY' || { log "could not create threads and counter cards on port $1"; exit 1; }
import json, sys, urllib.request
port, n, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]

def events(body):
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/chatkit", data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        for line in answer.read().decode().splitlines():
            if line.startswith("data: "):
                yield json.loads(line[6:])

bodies = []
for _ in range(n):
    thread = next(e["thread"]["id"] for e in events({"type": "threads.create", "params": {
        "input": {"content": [{"type": "input_text", "text": "hi"}], "attachments": [],
                  "inference_options": {}}}}) if e.get("type") == "thread.created")
    item = next(e["item"]["id"] for e in events({"type": "threads.custom_action", "params": {
        "thread_id": thread, "action": {"type": "increment", "payload": {"count": 0}}}})
        if e.get("type") == "thread.item.done" and e["item"]["type"] == "widget")
    bodies.append(json.dumps({"type": "threads.custom_action", "params": {
        "thread_id": thread, "item_id": item,
        "action": {"type": "increment", "payload": {"count": 1}}}}, separators=(",", ":")))
with open(path, "w") as out:
    out.write("\n".join(bodies) + "\n")
PY
}

# threads_of WORKLOAD: how many threads the workload spreads its requests over.
threads_of() { if [ "$1" = one ]; then echo 1; else echo "$THREADS"; fi; }

# seed_all PORT: seeds every workload's threads; the bodies go to $work/body-WORKLOAD.txt.
seed_all() {
    local workload
    for workload in $WORKLOADS; do
        seed "$1" "$(threads_of "$workload")" "$work/body-$workload.txt"
    done
}

# The wrk script, the same for every server: POSTs the bodies of BODY_FILE (one per line) in
# turn, starting after line BODY_START (one body: the same request every time, built once);
# every answer is checked (status 200, no `error` event, and, unless EXPECT is empty, the
# expected event).
cat >"$work/load.lua" <<'LUA'
local bodies = {}
for line in io.lines(os.getenv("BODY_FILE")) do
    if line ~= "" then table.insert(bodies, line) end
end
assert(#bodies > 0, "no request body")
wrk.method = "POST"
wrk.body = bodies[1]
wrk.headers["Content-Type"] = "application/json"
if #bodies > 1 then
    local next_body = tonumber(os.getenv("BODY_START") or "0") % #bodies
    function request()
        next_body = next_body % #bodies + 1
        return wrk.format(nil, nil, nil, bodies[next_body])
    end
end
local expect = os.getenv("EXPECT") or ""

local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) checked = 0; bad = 0 end
function response(status, headers, body)
    checked = checked + 1
    if status ~= 200 or body:find('"type":"error"', 1, true)
        or (expect ~= "" and not body:find(expect, 1, true)) then
        bad = bad + 1
    end
end
function done(summary, latency, requests)
    local c, b = 0, 0
    for _, t in ipairs(threads) do c = c + t:get("checked"); b = b + t:get("bad") end
    local e = summary.errors
    io.write(string.format("RESULT %.1f %.3f %.3f %d %d %d\n",
        summary.requests / (summary.duration / 1e6),
        latency:percentile(50) / 1000, latency:percentile(99) / 1000,
        c, b, e.connect + e.read + e.write + e.status + e.timeout))
end
LUA

# wrk_run WORKLOAD CONNS DURATION PORT [BODY_START]: one wrk run of the workload's bodies;
# prints wrk's output.
wrk_run() {
    BODY_FILE=$work/body-$1.txt BODY_START=${5:-0} wrk -t1 -c"$2" -d"$3" --timeout 5s --latency \
        -s "$work/load.lua" "http://127.0.0.1:$4/chatkit"
}

# load NAME WORKLOAD PORT CONNECTIONS: one measurement; appends "NAME WORKLOAD CONNS rps p50
# p99 checked bad errors" to $work/results.
load() {
    local name=$1 workload=$2 port=$3 conns=$4 out
    out=$(wrk_run "$workload" "$conns" "$DURATION" "$port")
    printf '%s\n' "$out" >>"$work/wrk.log"
    local result
    result=$(printf '%s\n' "$out" | sed -n 's/^RESULT //p')
    [ -n "$result" ] || { log "wrk gave no result for $name"; printf '%s\n' "$out" >&2; exit 1; }
    echo "$name $workload $conns $result" >>"$work/results"
    log "  $name, $workload thread(s), $conns connection(s): $result (rps p50 p99 checked bad errors)"
}

warm() {
    wrk_run "$1" 16 "$WARMUP" "$2" >/dev/null
}

peak_rss() { awk '/^VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }

# bench NAME PORT EXPECT: for each workload, warm up and measure at each connection count;
# then records the peak RSS.
bench() {
    local name=$1 port=$2 workload conns
    export EXPECT=$3
    for workload in $WORKLOADS; do
        warm "$workload" "$port"
        for conns in $CONNECTIONS; do
            load "$name" "$workload" "$port" "$conns"
        done
    done
    echo "$name $(peak_rss "$server_pid")" >>"$work/rss"
}

# --- the soak (scripts/bench-server.sh soak) ----------------------------------------------
# soak STORE PORT: SOAK_DURATION (60 s) of load at 16 connections on SOAK_WORKLOAD (one), the
# server's resident memory (VmRSS) sampled every second and printed every SOAK_EVERY seconds
# (10) to stderr; prints one row of the soak table to stdout, and, for the memory store, the
# bytes each stored item costs against the size of its JSON.
soak() {
    local store=$1 port=$2 secs=${SOAK_DURATION%s}
    local every=${SOAK_EVERY:-10}
    start "soak-$store" "$port" "$bin/counter" --port "$port" --store "$store" --db "$work/soak-$store.db"
    seed "$port" "$(threads_of "$SOAK_WORKLOAD")" "$work/body-$SOAK_WORKLOAD.txt"
    export EXPECT='"type":"thread.item.replaced"'
    wrk_run "$SOAK_WORKLOAD" 16 "${secs}s" "$port" >"$work/soak-$store.wrk" &
    local load=$!
    : >"$work/soak-$store.rss"
    for t in $(seq "$secs"); do
        sleep 1
        awk -v t="$t" '/^VmRSS/ { printf "%d %.1f\n", t, $2 / 1024 }' "/proc/$server_pid/status" \
            >>"$work/soak-$store.rss"
        if [ $((t % every)) = 0 ]; then
            log "  $store, ${t} s: RSS $(tail -n1 "$work/soak-$store.rss" | cut -d' ' -f2) MiB"
        fi
    done
    wait "$load"
    local result item_json=0
    result=$(sed -n 's/^RESULT //p' "$work/soak-$store.wrk")
    # The size of one stored item's JSON: the hidden note each increment stores, as the
    # protocol writes a hidden_context_item (hidden items are not listed to clients, so it is
    # built here, with this thread's id, a 16-hex-digit item id and a microsecond timestamp).
    item_json=$(python3 - "$work/body-$SOAK_WORKLOAD.txt" <<'PY'
import json, sys
thread = json.loads(open(sys.argv[1]).readline())["params"]["thread_id"]
item = {"type": "hidden_context_item", "id": "msg_" + "0" * 16, "thread_id": thread,
        "created_at": "2026-01-01T00:00:00.000000Z", "content": "User set the counter to 2"}
print(len(json.dumps(item, separators=(",", ":"))))
PY
)
    stop "$server_pid"
    python3 - "$store" "$work/soak-$store.rss" "$result" "$item_json" <<'PY'
import sys
store, path, result, item_json = sys.argv[1:]
rps, p50, p99, checked, bad, errors = result.split()
rss = [float(line.split()[1]) for line in open(path)]
at = lambda t: rss[min(t, len(rss)) - 1]
n = len(rss)
# Growth over the second half, when allocator pools and caches have settled. Every request
# stores one item (the hidden note; the card is replaced in place), so for the memory store
# this is the cost of a stored item.
half = rss[n // 2 - 1]
per_request = (rss[-1] - half) * 1024 * 1024 / max(1, int(checked) * (n - n // 2) / n)
ratio = f"{per_request / int(item_json):.2f}x" if int(item_json) else "-"
print(f"| {store} | {n} s | {int(checked):,} / {int(bad) + int(errors)} | {float(rps):,.0f} | "
      f"{at(5):.1f} | {at(n // 2):.1f} | {rss[-1]:.1f} | {max(rss):.1f} | {per_request:,.0f} | "
      f"{item_json} | {ratio} |")
PY
}

if [ "${1:-}" = soak ]; then
    SOAK_DURATION=${SOAK_DURATION:-60s}
    SOAK_STORES=${SOAK_STORES:-"memory sqlite"}
    SOAK_WORKLOAD=${SOAK_WORKLOAD:-one}
    log "soak: ${SOAK_DURATION} at 16 connections per store ($SOAK_STORES), workload $SOAK_WORKLOAD"
    printf '| store | duration | answers checked / bad | req/s | RSS MiB at 5 s | at half | at end | peak | bytes per request, second half | JSON bytes of a stored item | per request / JSON |\n'
    printf '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n'
    port=$((port_base + 10))
    for store in $SOAK_STORES; do
        port=$((port + 1))
        soak "$store" "$port"
    done
    for store in $SOAK_STORES; do
        printf '\nRSS MiB over time, %s (every %s s):\n\n' "$store" "${SOAK_EVERY:-10}"
        awk -v every="${SOAK_EVERY:-10}" '$1 % every == 0 { printf "%s s: %s\n", $1, $2 }' \
            "$work/soak-$store.rss"
    done
    exit 0
fi

# --- the profile (scripts/bench-server.sh profile) ----------------------------------------
# The counter on PROFILE_STORE (memory, or sqlite: a database file) under callgrind
# (valgrind): for each workload, a 3 s warm-up at 16 connections, the counters zeroed,
# PROFILE_DURATION (10 s) of load, a dump; prints the server's instructions (all its threads)
# per answered request. Instruction counts do not depend on what else the machine runs.
# PROFILE_KEEP=DIR keeps the callgrind files there (for callgrind_annotate).
if [ "${1:-}" = profile ]; then
    command -v valgrind >/dev/null || { log "valgrind is missing (apt-get install valgrind)"; exit 1; }
    PROFILE_STORE=${PROFILE_STORE:-memory}
    case $PROFILE_STORE in
        memory | sqlite) ;;
        *) log "PROFILE_STORE is memory or sqlite, not $PROFILE_STORE"; exit 1 ;;
    esac
    port=$((port_base + 30))
    printf '| store | workload | requests | instructions | per request |\n|---|---|---:|---:|---:|\n'
    for workload in $WORKLOADS; do
        port=$((port + 1))
        start "profile-$workload" "$port" valgrind --tool=callgrind \
            --callgrind-out-file="$work/callgrind-$workload.%p" "$bin/counter" --port "$port" \
            --store "$PROFILE_STORE" --db "$work/profile-$workload.db"
        seed "$port" "$(threads_of "$workload")" "$work/body-$workload.txt"
        export EXPECT='"type":"thread.item.replaced"'
        wrk_run "$workload" 16 3s "$port" >/dev/null
        callgrind_control -z "$server_pid" >/dev/null
        result=$(wrk_run "$workload" 16 "${PROFILE_DURATION:-10s}" "$port" | sed -n 's/^RESULT //p')
        callgrind_control -d "$server_pid" >/dev/null
        stop "$server_pid"
        read -r _ _ _ checked bad errors <<<"$result"
        [ "$bad" = 0 ] && [ "$errors" = 0 ] || { log "bad answers under the profiler: $result"; exit 1; }
        # The dump after the zeroing is part 1.
        instructions=$(callgrind_annotate "$work/callgrind-$workload.$server_pid.1" 2>/dev/null \
            | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1; exit }')
        printf '| %s | %s | %s | %s | %s |\n' "$PROFILE_STORE" "$workload" "$checked" \
            "$instructions" "$(( instructions / checked ))"
        if [ -n "${PROFILE_KEEP:-}" ]; then
            mkdir -p "$PROFILE_KEEP"
            cp "$work/callgrind-$workload.$server_pid".* "$PROFILE_KEEP/"
        fi
    done
    exit 0
fi

# --- the run ------------------------------------------------------------------------------
port=$port_base
frame_bytes=0
for store in memory sqlite; do
    port=$((port + 1))
    log "counter ($store)"
    start "counter-$store" "$port" "$bin/counter" --port "$port" --store "$store" --db "$work/counter.db"
    seed_all "$port"
    if [ "$frame_bytes" -eq 0 ]; then
        # The ceiling answers as many bytes as the counter's answer to a load request, and
        # reads the memory store's bodies.
        first_body=$(head -n1 "$work/body-$(set -- $WORKLOADS; echo "$1").txt")
        frame_bytes=$(post "$port" "$first_body" | wc -c)
        post "$port" "$first_body" >"$work/sample-rust.sse"
        for workload in $WORKLOADS; do
            cp "$work/body-$workload.txt" "$work/ceiling-body-$workload.txt"
        done
    fi
    bench "rust-$store" "$port" '"type":"thread.item.replaced"'
    stop "$server_pid"
done

# PostgreSQL: one replica, then two replicas sharing the database, each driven by its own wrk
# with half the connections (a load balancer's round robin; on the many-thread workload the
# second starts half way through the bodies); the rows sum their throughput and take the
# worse latency of the two. The server is the test suite's throw-away one
# (scripts/postgres.sh) with PostgreSQL's default durability (`--durable`: fsync on).
#
# Where the CPU goes: during each measured run, the CPU time (utime + stime from /proc/PID/stat)
# of the replicas, of the PostgreSQL server (the postmaster and its backends) and of wrk, from
# one second in to one second before the end (DURATION of 3 s or more); printed on stderr once
# the PostgreSQL runs are done, as cores used and CPU time per request, beside the machine's
# cores. A sampler that fails leaves its run out of that table, never the benchmark.
# pg_ticks PID…: the CPU clock ticks the processes used so far, summed.
pg_ticks() {
    local p
    for p in "$@"; do cat "/proc/$p/stat" 2>/dev/null; done \
        | awk '{ sub(/^.*\) /, ""); s += $12 + $13 } END { print s + 0 }'
}
# pg_cpu NAME WORKLOAD CONNS REPLICA_PIDS: samples the window of a run that has just started in
# the background; appends "NAME WORKLOAD CONNS seconds replicas postgres wrk machine" (ticks; machine:
# every CPU's busy ticks from /proc/stat, whoever used them) to $work/pg-cpu.
pg_cpu() {
    local name=$1 workload=$2 conns=$3 replicas=$4 secs=${DURATION%s} postmaster wrks backends
    # Only for a DURATION in seconds, at least 3.
    case $secs in '' | *[!0-9]*) return 0 ;; esac
    [ "$secs" -ge 3 ] || return 0
    postmaster=$(head -n1 "$pg_data/postmaster.pid")
    sleep 1
    backends=$(ps -o pid= --ppid "$postmaster" | tr '\n' ' ')
    # wrk runs as a child of this script or of one of its subshells.
    wrks=$(pgrep -x wrk -P "$$,$(pgrep -d, -P "$$")" | tr '\n' ' ' || true)
    local busy='/^cpu / { print $2 + $3 + $4 + $7 + $8 }'
    local r0 p0 w0 m0 r1 p1 w1 m1
    r0=$(pg_ticks $replicas) p0=$(pg_ticks "$postmaster" $backends) w0=$(pg_ticks $wrks)
    m0=$(awk "$busy" /proc/stat)
    sleep $((secs - 2))
    r1=$(pg_ticks $replicas) p1=$(pg_ticks "$postmaster" $backends) w1=$(pg_ticks $wrks)
    m1=$(awk "$busy" /proc/stat)
    echo "$name $workload $conns $((secs - 2)) $((r1 - r0)) $((p1 - p0)) $((w1 - w0)) $((m1 - m0))" >>"$work/pg-cpu"
}
if [ "${POSTGRES:-1}" = 1 ] && [ -x scripts/postgres.sh ]; then
    log "postgres (one replica, then two)"
    eval "$(scripts/postgres.sh start --durable)"
    postgres_started=1
    pg_data=$(data=; source target/postgres/state; echo "$data")
    : >"$work/pg-cpu"
    port=$((port + 1))
    start counter-postgres "$port" "$bin/counter" --port "$port" --store postgres --db "$CHATKIT_POSTGRES_URL"
    seed_all "$port"
    export EXPECT='"type":"thread.item.replaced"'
    for workload in $WORKLOADS; do
        warm "$workload" "$port"
        for conns in $CONNECTIONS; do
            pg_cpu rust-postgres "$workload" "$conns" "$server_pid" &
            sampler=$!
            load rust-postgres "$workload" "$port" "$conns"
            wait "$sampler" || true
        done
    done
    echo "rust-postgres $(peak_rss "$server_pid")" >>"$work/rss"
    stop "$server_pid"
    first=$((port + 1)) second=$((port + 2)) port=$((port + 2))
    start counter-postgres-a "$first" "$bin/counter" --port "$first" --store postgres --db "$CHATKIT_POSTGRES_URL"
    pid_a=$server_pid
    start counter-postgres-b "$second" "$bin/counter" --port "$second" --store postgres --db "$CHATKIT_POSTGRES_URL"
    pid_b=$server_pid
    seed_all "$first"
    export EXPECT='"type":"thread.item.replaced"'
    for workload in $WORKLOADS; do
        offset=$(( $(threads_of "$workload") / 2 ))
        wrk_run "$workload" 8 "$WARMUP" "$first" >/dev/null &
        warm_a=$!
        wrk_run "$workload" 8 "$WARMUP" "$second" "$offset" >/dev/null
        wait "$warm_a"
        for conns in $CONNECTIONS; do
            half=$(( (conns + 1) / 2 ))
            other=$(( conns - half ))
            wrk_run "$workload" "$half" "$DURATION" "$first" >"$work/wrk-a" &
            load_a=$!
            pg_cpu rust-postgres-2 "$workload" "$conns" "$pid_a $pid_b" &
            sampler=$!
            if [ "$other" -gt 0 ]; then
                wrk_run "$workload" "$other" "$DURATION" "$second" "$offset" >"$work/wrk-b"
            else
                : >"$work/wrk-b"
            fi
            wait "$load_a"
            wait "$sampler" || true
            cat "$work/wrk-a" "$work/wrk-b" >>"$work/wrk.log"
            result=$(sed -n 's/^RESULT //p' "$work/wrk-a" "$work/wrk-b" | awk '
                { rps += $1; if ($2 > p50) p50 = $2; if ($3 > p99) p99 = $3; c += $4; b += $5; e += $6 }
                END { printf "%.1f %.3f %.3f %d %d %d", rps, p50, p99, c, b, e }')
            echo "rust-postgres-2 $workload $conns $result" >>"$work/results"
            log "  rust-postgres-2, $workload thread(s), $conns connection(s): $result (rps p50 p99 checked bad errors)"
        done
    done
    echo "rust-postgres-2 $(awk '/^VmHWM/ { a = $2 } END { printf "%.1f", a / 1024 }' "/proc/$pid_a/status") $(peak_rss "$pid_b")" \
        | awk '{ printf "%s %.1f\n", $1, $2 + $3 }' >>"$work/rss"
    stop "$pid_a"
    stop "$pid_b"
    scripts/postgres.sh stop >/dev/null 2>&1 || true
    postgres_started=0
    # Where the CPU went, per run (stderr, after the PostgreSQL rows' progress lines).
    python3 - "$work/pg-cpu" "$work/results" "$(getconf CLK_TCK)" "$(nproc)" <<'PY' >&2
import sys
cpu_path, results_path, tck, cores = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
rps = {tuple(line.split()[:3]): float(line.split()[3]) for line in open(results_path)}
print(f"\nPostgreSQL, CPU during each run (/proc/PID/stat, {cores} cores): cores used, and CPU us per request\n")
print("| run | threads | conns | req/s | replicas | postgres | wrk | sum | machine (all processes) |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
for line in open(cpu_path):
    name, workload, conns, secs, *ticks = line.split()
    r = rps.get((name, workload, conns))
    if not r:
        continue
    replicas, postgres, wrk, machine = (int(t) / tck / int(secs) for t in ticks)  # cores
    total = replicas + postgres + wrk
    cell = lambda c: f"{c:.2f} ({c / r * 1e6:,.0f} us)"
    print(f"| {name} | {workload} | {conns} | {r:,.0f} | {cell(replicas)} | {cell(postgres)} | "
          f"{cell(wrk)} | {cell(total)} | {machine:.2f} of {cores} |")
PY
fi

: >"$work/sample-python.sse"
for config in stock fast; do
    [ "$PYTHON" = 1 ] || break
    port=$((port + 1))
    flags=()
    [ "$config" = fast ] && flags=(--cached-adapter --loop uvloop --http httptools)
    log "python ($config)"
    start "python-$config" "$port" "$venv/bin/python" "$anchor/server.py" --port "$port" "${flags[@]}"
    seed_all "$port"
    [ "$config" = stock ] && post "$port" "$(head -n1 "$work/body-$(set -- $WORKLOADS; echo "$1").txt")" >"$work/sample-python.sse"
    bench "python-$config" "$port" '"type":"thread.item.replaced"'
    stop "$server_pid"
done

port=$((port + 1))
log "ceiling ($frame_bytes bytes)"
start ceiling "$port" "$bin/ceiling" --port "$port" --bytes "$frame_bytes"
for workload in $WORKLOADS; do
    cp "$work/ceiling-body-$workload.txt" "$work/body-$workload.txt"
done
bench ceiling "$port" ""
stop "$server_pid"

# --- the table ----------------------------------------------------------------------------
python3 - "$work/results" "$work/rss" "$frame_bytes" "$DURATION" \
    "$(wc -c <"$work/sample-python.sse")" "$THREADS" <<'PY'
import sys
results_path, rss_path, frame, duration, python_bytes, threads = sys.argv[1:]
rows = {}
for line in open(results_path):
    name, workload, conns, rps, p50, p99, checked, bad, errors = line.split()
    rows[(name, workload, int(conns))] = dict(
        rps=float(rps), p50=float(p50), p99=float(p99),
        checked=int(checked), bad=int(bad), errors=int(errors))
rss = dict(line.split() for line in open(rss_path))
labels = {
    "rust-memory": "Rust counter, MemoryStore",
    "rust-sqlite": "Rust counter, SqliteStore (file)",
    "rust-postgres": "Rust counter, PostgresStore, one replica",
    "rust-postgres-2": "Rust counter, PostgresStore, two replicas",
    "python-stock": "Python SDK, stock",
    "python-fast": "Python SDK, cached adapter + uvloop + httptools",
    "ceiling": "ceiling (bare axum, one fixed SSE frame)",
}
workloads = [w for w in ("one", "many") if any(k[1] == w for k in rows)]
threads_of = {"one": "1", "many": threads}
conns_list = sorted({c for _, _, c in rows})
print(f"wrk -t1, {duration} per row after a warm-up; answers: Rust {frame} bytes, "
      f"Python {python_bytes} bytes, ceiling {frame} bytes.\n")
print("| server | threads | conns | req/s | p50 ms | p99 ms | peak RSS MiB | vs ceiling | vs faster Python | p99 vs ceiling | checked / bad |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
def python_of(w, c):
    return max((rows[(n, w, c)]["rps"] for n in ("python-stock", "python-fast") if (n, w, c) in rows), default=None)
for workload in workloads:
    for conns in conns_list:
        ceiling = rows.get(("ceiling", workload, conns))
        python = python_of(workload, conns)
        for name in labels:
            r = rows.get((name, workload, conns))
            if r is None:
                continue
            vs_ceiling = f"{r['rps'] / ceiling['rps']:.0%}" if ceiling else "-"
            vs_python = f"{r['rps'] / python:.1f}x" if python else "-"
            p99 = f"{r['p99'] / ceiling['p99']:.2f}x" if ceiling else "-"
            bad = r["bad"] + r["errors"]
            print(f"| {labels[name]} | {threads_of[workload]} | {conns} | {r['rps']:,.0f} | {r['p50']:.2f} | "
                  f"{r['p99']:.2f} | {rss.get(name, '-')} | {vs_ceiling} | {vs_python} | {p99} | "
                  f"{r['checked']:,} / {bad} |")
print()
# The issue's targets, at 16 connections.
c = 16
def verdict(ok): return "met" if ok else "MISSED"
checks = []
for workload in workloads:
    label = f"{threads_of[workload]} thread(s)"
    ceil = rows.get(("ceiling", workload, c))
    py = python_of(workload, c)
    m = rows.get(("rust-memory", workload, c))
    s = rows.get(("rust-sqlite", workload, c))
    if ceil and m:
        checks.append(f"{label}: memory store >= 60% of the ceiling: {m['rps'] / ceil['rps']:.0%} ({verdict(m['rps'] >= 0.6 * ceil['rps'])})")
        checks.append(f"{label}: memory store p99 <= 2x the ceiling's: {m['p99'] / ceil['p99']:.2f}x ({verdict(m['p99'] <= 2 * ceil['p99'])})")
    if m and py:
        checks.append(f"{label}: memory store vs the faster Python: {m['rps'] / py:.1f}x")
    if ceil and s:
        target = " (target on the many-thread workload)" if workload == "one" else ""
        checks.append(f"{label}: SQLite store >= 40% of the ceiling{target}: {s['rps'] / ceil['rps']:.0%} ({verdict(s['rps'] >= 0.4 * ceil['rps'])})")
    one, two = rows.get(("rust-postgres", workload, c)), rows.get(("rust-postgres-2", workload, c))
    if one and two:
        target = " (target on the many-thread workload)" if workload == "one" else ""
        checks.append(f"{label}: PostgreSQL two replicas >= 1.7x one{target}: {two['rps'] / one['rps']:.2f}x ({verdict(two['rps'] >= 1.7 * one['rps'])})")
if checks:
    print(f"Targets at {c} connections:\n")
    for line in checks:
        print(f"- {line}")
PY
