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
# each driven by wrk with the same Lua script (POST, the same body, Content-Type) at 1 and 16
# connections. Prints a markdown table: requests/s, p50 and p99 latency, peak RSS (VmHWM),
# and ratios against the ceiling and the faster Python configuration.
#
#   scripts/bench-server.sh                 # 10 s per measurement
#   DURATION=5s scripts/bench-server.sh     # shorter
#   scripts/bench-server.sh soak            # 60 s at 16 connections per store, RSS each second
#
# Needs: cargo, python3 (with venv), curl; installs wrk with apt-get when it is missing.
# Everything listens on 127.0.0.1 only; every process started here is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-2s}
CONNECTIONS=${CONNECTIONS:-"1 16"}
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

# counter_body PORT: creates a thread and a counter card on the server, and writes the load
# request (increment from that card) to $work/body.json.
counter_body() {
    local port=$1 thread item
    thread=$(post "$port" '{"type":"threads.create","params":{"input":{"content":[{"type":"input_text","text":"hi"}],"attachments":[],"inference_options":{}}}}' | sse_get thread)
    item=$(post "$port" "{\"type\":\"threads.custom_action\",\"params\":{\"thread_id\":\"$thread\",\"action\":{\"type\":\"increment\",\"payload\":{\"count\":0}}}}" | sse_get widget)
    if [ -z "$thread" ] || [ -z "$item" ]; then
        log "could not create a thread and a counter card on port $port"
        exit 1
    fi
    printf '{"type":"threads.custom_action","params":{"thread_id":"%s","item_id":"%s","action":{"type":"increment","payload":{"count":1}}}}' \
        "$thread" "$item" >"$work/body.json"
}

# The wrk script: the same POST for every server; every answer is checked (status 200, no
# `error` event, and, unless EXPECT is empty, the expected event).
cat >"$work/load.lua" <<'LUA'
local f = assert(io.open(os.getenv("BODY_FILE"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
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

# load NAME PORT CONNECTIONS: one measurement; appends "NAME CONNS rps p50 p99 checked bad
# errors" to $work/results.
load() {
    local name=$1 port=$2 conns=$3 out
    out=$(BODY_FILE=$work/body.json wrk -t1 -c"$conns" -d"$DURATION" --timeout 5s --latency \
        -s "$work/load.lua" "http://127.0.0.1:$port/chatkit")
    printf '%s\n' "$out" >>"$work/wrk.log"
    local result
    result=$(printf '%s\n' "$out" | sed -n 's/^RESULT //p')
    [ -n "$result" ] || { log "wrk gave no result for $name"; printf '%s\n' "$out" >&2; exit 1; }
    echo "$name $conns $result" >>"$work/results"
    log "  $name, $conns connection(s): $result (rps p50 p99 checked bad errors)"
}

warm() {
    BODY_FILE=$work/body.json wrk -t1 -c16 -d"$WARMUP" --timeout 5s -s "$work/load.lua" \
        "http://127.0.0.1:$1/chatkit" >/dev/null
}

peak_rss() { awk '/^VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }

# bench NAME PORT EXPECT: warm up, measure at each connection count, record the peak RSS.
bench() {
    local name=$1 port=$2
    export EXPECT=$3
    warm "$port"
    for conns in $CONNECTIONS; do
        load "$name" "$port" "$conns"
    done
    echo "$name $(peak_rss "$server_pid")" >>"$work/rss"
}

# --- the soak (scripts/bench-server.sh soak) ----------------------------------------------
# soak STORE PORT: SOAK_DURATION (60 s) of load at 16 connections, the server's resident
# memory (VmRSS) sampled every second; prints one row of the soak table.
soak() {
    local store=$1 port=$2 secs=${SOAK_DURATION%s}
    start "soak-$store" "$port" "$bin/counter" --port "$port" --store "$store" --db "$work/soak-$store.db"
    counter_body "$port"
    export EXPECT='"type":"thread.item.replaced"'
    BODY_FILE=$work/body.json wrk -t1 -c16 -d"${secs}s" --timeout 5s -s "$work/load.lua" \
        "http://127.0.0.1:$port/chatkit" >"$work/soak-$store.wrk" &
    local load=$!
    : >"$work/soak-$store.rss"
    for t in $(seq "$secs"); do
        sleep 1
        awk -v t="$t" '/^VmRSS/ { printf "%d %.1f\n", t, $2 / 1024 }' "/proc/$server_pid/status" \
            >>"$work/soak-$store.rss"
    done
    wait "$load"
    local result
    result=$(sed -n 's/^RESULT //p' "$work/soak-$store.wrk")
    stop "$server_pid"
    python3 - "$store" "$work/soak-$store.rss" "$result" <<'PY'
import sys
store, path, result = sys.argv[1:]
rps, p50, p99, checked, bad, errors = result.split()
rss = [float(line.split()[1]) for line in open(path)]
at = lambda t: rss[min(t, len(rss)) - 1]
n = len(rss)
# Growth over the second half, when allocator pools and caches have settled.
half = rss[n // 2 - 1]
per_request = (rss[-1] - half) * 1024 * 1024 / max(1, int(checked) * (n - n // 2) / n)
print(f"| {store} | {n} s | {int(checked):,} / {int(bad) + int(errors)} | {float(rps):,.0f} | "
      f"{at(5):.1f} | {at(n // 2):.1f} | {rss[-1]:.1f} | {max(rss):.1f} | {per_request:,.0f} |")
PY
}

if [ "${1:-}" = soak ]; then
    SOAK_DURATION=${SOAK_DURATION:-60s}
    log "soak: ${SOAK_DURATION} at 16 connections per store"
    printf '| store | duration | answers checked / bad | req/s | RSS MiB at 5 s | at half | at end | peak | bytes per request, second half |\n'
    printf '|---|---:|---:|---:|---:|---:|---:|---:|---:|\n'
    soak memory $((port_base + 11))
    soak sqlite $((port_base + 12))
    exit 0
fi

# --- the run ------------------------------------------------------------------------------
port=$port_base
frame_bytes=0
for store in memory sqlite; do
    port=$((port + 1))
    log "counter ($store)"
    start "counter-$store" "$port" "$bin/counter" --port "$port" --store "$store" --db "$work/counter.db"
    counter_body "$port"
    if [ "$frame_bytes" -eq 0 ]; then
        # The ceiling answers as many bytes as the counter's answer to the load request.
        frame_bytes=$(post "$port" "$(cat "$work/body.json")" | wc -c)
        post "$port" "$(cat "$work/body.json")" >"$work/sample-rust.sse"
    fi
    bench "rust-$store" "$port" '"type":"thread.item.replaced"'
    stop "$server_pid"
done

# PostgreSQL: one replica, then two replicas sharing the database, each driven by its own wrk
# with half the connections (a load balancer's round robin); the rows sum their throughput
# and take the worse latency of the two. The server is the test suite's throw-away one
# (scripts/postgres.sh) with PostgreSQL's default durability (`--durable`: fsync on).
if [ "${POSTGRES:-1}" = 1 ] && [ -x scripts/postgres.sh ]; then
    log "postgres (one replica, then two)"
    eval "$(scripts/postgres.sh start --durable)"
    postgres_started=1
    port=$((port + 1))
    start counter-postgres "$port" "$bin/counter" --port "$port" --store postgres --db "$CHATKIT_POSTGRES_URL"
    counter_body "$port"
    bench rust-postgres "$port" '"type":"thread.item.replaced"'
    stop "$server_pid"
    first=$((port + 1)) second=$((port + 2)) port=$((port + 2))
    start counter-postgres-a "$first" "$bin/counter" --port "$first" --store postgres --db "$CHATKIT_POSTGRES_URL"
    pid_a=$server_pid
    start counter-postgres-b "$second" "$bin/counter" --port "$second" --store postgres --db "$CHATKIT_POSTGRES_URL"
    pid_b=$server_pid
    counter_body "$first"
    export EXPECT='"type":"thread.item.replaced"'
    warm "$first"
    for conns in $CONNECTIONS; do
        half=$(( (conns + 1) / 2 ))
        other=$(( conns - half ))
        BODY_FILE=$work/body.json wrk -t1 -c"$half" -d"$DURATION" --timeout 5s --latency \
            -s "$work/load.lua" "http://127.0.0.1:$first/chatkit" >"$work/wrk-a" &
        load_a=$!
        if [ "$other" -gt 0 ]; then
            BODY_FILE=$work/body.json wrk -t1 -c"$other" -d"$DURATION" --timeout 5s --latency \
                -s "$work/load.lua" "http://127.0.0.1:$second/chatkit" >"$work/wrk-b"
        else
            : >"$work/wrk-b"
        fi
        wait "$load_a"
        cat "$work/wrk-a" "$work/wrk-b" >>"$work/wrk.log"
        result=$(sed -n 's/^RESULT //p' "$work/wrk-a" "$work/wrk-b" | awk '
            { rps += $1; if ($2 > p50) p50 = $2; if ($3 > p99) p99 = $3; c += $4; b += $5; e += $6 }
            END { printf "%.1f %.3f %.3f %d %d %d", rps, p50, p99, c, b, e }')
        echo "rust-postgres-2 $conns $result" >>"$work/results"
        log "  rust-postgres-2, $conns connection(s): $result (rps p50 p99 checked bad errors)"
    done
    echo "rust-postgres-2 $(awk '/^VmHWM/ { a = $2 } END { printf "%.1f", a / 1024 }' "/proc/$pid_a/status") $(peak_rss "$pid_b")" \
        | awk '{ printf "%s %.1f\n", $1, $2 + $3 }' >>"$work/rss"
    stop "$pid_a"
    stop "$pid_b"
    scripts/postgres.sh stop >/dev/null 2>&1 || true
    postgres_started=0
fi

: >"$work/sample-python.sse"
for config in stock fast; do
    [ "$PYTHON" = 1 ] || break
    port=$((port + 1))
    flags=()
    [ "$config" = fast ] && flags=(--cached-adapter --loop uvloop --http httptools)
    log "python ($config)"
    start "python-$config" "$port" "$venv/bin/python" "$anchor/server.py" --port "$port" "${flags[@]}"
    counter_body "$port"
    [ "$config" = stock ] && post "$port" "$(cat "$work/body.json")" >"$work/sample-python.sse"
    bench "python-$config" "$port" '"type":"thread.item.replaced"'
    stop "$server_pid"
done

port=$((port + 1))
log "ceiling ($frame_bytes bytes)"
start ceiling "$port" "$bin/ceiling" --port "$port" --bytes "$frame_bytes"
bench ceiling "$port" ""
stop "$server_pid"

# --- the table ----------------------------------------------------------------------------
python3 - "$work/results" "$work/rss" "$frame_bytes" "$DURATION" \
    "$(wc -c <"$work/sample-python.sse")" <<'PY'
import sys
results_path, rss_path, frame, duration, python_bytes = sys.argv[1:]
rows = {}
for line in open(results_path):
    name, conns, rps, p50, p99, checked, bad, errors = line.split()
    rows[(name, int(conns))] = dict(rps=float(rps), p50=float(p50), p99=float(p99),
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
conns_list = sorted({c for _, c in rows})
print(f"wrk -t1, {duration} per row after a warm-up; answers: Rust {frame} bytes, "
      f"Python {python_bytes} bytes, ceiling {frame} bytes.\n")
print("| server | conns | req/s | p50 ms | p99 ms | peak RSS MiB | vs ceiling | vs faster Python | p99 vs ceiling | checked / bad |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for conns in conns_list:
    ceiling = rows.get(("ceiling", conns))
    python = max((rows[(n, conns)]["rps"] for n in ("python-stock", "python-fast") if (n, conns) in rows), default=None)
    for name in labels:
        r = rows.get((name, conns))
        if r is None:
            continue
        vs_ceiling = f"{r['rps'] / ceiling['rps']:.0%}" if ceiling else "-"
        vs_python = f"{r['rps'] / python:.1f}x" if python else "-"
        p99 = f"{r['p99'] / ceiling['p99']:.2f}x" if ceiling else "-"
        bad = r["bad"] + r["errors"]
        print(f"| {labels[name]} | {conns} | {r['rps']:,.0f} | {r['p50']:.2f} | {r['p99']:.2f} | "
              f"{rss.get(name, '-')} | {vs_ceiling} | {vs_python} | {p99} | {r['checked']:,} / {bad} |")
print()
# The issue's targets, at 16 connections.
c = 16
if ("ceiling", c) in rows:
    ceil = rows[("ceiling", c)]
    py = max((rows[(n, c)]["rps"] for n in ("python-stock", "python-fast") if (n, c) in rows), default=None)
    def verdict(ok): return "met" if ok else "MISSED"
    checks = []
    if ("rust-memory", c) in rows:
        m = rows[("rust-memory", c)]
        checks.append(f"memory store >= 60% of the ceiling: {m['rps'] / ceil['rps']:.0%} ({verdict(m['rps'] >= 0.6 * ceil['rps'])})")
        if py:
            checks.append(f"memory store >= 25x the faster Python: {m['rps'] / py:.1f}x ({verdict(m['rps'] >= 25 * py)})")
        checks.append(f"memory store p99 <= 2x the ceiling's: {m['p99'] / ceil['p99']:.2f}x ({verdict(m['p99'] <= 2 * ceil['p99'])})")
    if ("rust-sqlite", c) in rows:
        s = rows[("rust-sqlite", c)]
        checks.append(f"SQLite store >= 40% of the ceiling: {s['rps'] / ceil['rps']:.0%} ({verdict(s['rps'] >= 0.4 * ceil['rps'])})")
        if py:
            checks.append(f"SQLite store >= 25x the faster Python: {s['rps'] / py:.1f}x ({verdict(s['rps'] >= 25 * py)})")
        checks.append(f"SQLite store p99 <= 2x the ceiling's: {s['p99'] / ceil['p99']:.2f}x ({verdict(s['p99'] <= 2 * ceil['p99'])})")
    print("Targets at 16 connections:\n")
    for line in checks:
        print(f"- {line}")
PY
