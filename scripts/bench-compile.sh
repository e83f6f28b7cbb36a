#!/usr/bin/env bash
# The compile-time benchmark (docs/benchmarks.md): what `#[derive(Action)]` and
# `#[action_handler]` cost the compiler on a 200-action application, against the same
# application written without them (serde's adjacently tagged enum, a handler trait and the
# dispatch `match` by hand). Both sources are generated at build time (build.rs, from
# benches/compile/generate.rs) into the root package's OUT_DIR, where the examples
# `compile_derived` and `compile_handwritten` include them; the dependencies are built once
# first, so only the application crate itself is measured.
#
# For each crate, RUNS times (default 5), in the dev profile:
#   - cold: the crate rebuilt from scratch (its incremental cache deleted, then touched);
#   - incremental: one handler's body edited in the generated source, then rebuilt with the
#     incremental cache (the macros expand again on every build; rustc's incremental cache
#     reuses the rest).
# Prints the medians (wall seconds, and user+system CPU seconds, less sensitive to other load
# on the machine) and the ratios derived/handwritten.
#
#   scripts/bench-compile.sh            # RUNS=5
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-5}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target-compile-bench}
work=$(mktemp -d "${TMPDIR:-/tmp}/bench-compile.XXXXXX")
trap 'rm -rf "$work"' EXIT

log() { printf '%s\n' "$*" >&2; }

if [ ! -x /usr/bin/time ]; then
    log "installing GNU time"
    sudo_=""
    [ "$(id -u)" -eq 0 ] || sudo_=sudo
    $sudo_ apt-get update -qq
    $sudo_ apt-get install -y -qq time >/dev/null
fi

log "building the dependencies (once)"
cargo build --quiet --example compile_derived --example compile_handwritten

# Where the build script wrote the generated sources (the root package's OUT_DIR).
out=$(cargo build --quiet --example compile_derived --message-format=json \
    | grep '"reason":"build-script-executed"' | grep -E '[#/]chatkit-actions-workspace[@#]' \
    | sed -n 's/.*"out_dir":"\([^"]*\)".*/\1/p')
if [ ! -f "$out/compile_bench/derived.rs" ] || [ ! -f "$out/compile_bench/handwritten.rs" ]; then
    log "the generated sources are not in the build script's OUT_DIR ($out)"
    exit 1
fi
mkdir -p "$work/backup"
cp "$out/compile_bench/derived.rs" "$out/compile_bench/handwritten.rs" "$work/backup/"
restore() {
    cp "$work/backup/derived.rs" "$work/backup/handwritten.rs" "$out/compile_bench/"
    rm -rf "$work"
}
trap restore EXIT

# timed NAME ARGS…: runs cargo build for one example, appends "wall cpu" to $work/NAME.
timed() {
    local name=$1
    shift
    /usr/bin/time -f '%e %U %S' -o "$work/time" "$@" >/dev/null 2>&1
    awk '{ printf "%s %.2f\n", $1, $2 + $3 }' "$work/time" >>"$work/$name"
}

# median FILE COLUMN
median() {
    sort -n -k"$2" "$1" | awk -v c="$2" '{ v[NR] = $c } END { print v[int((NR + 1) / 2)] }'
}

for run in $(seq "$RUNS"); do
    for crate in derived handwritten; do
        generated=$out/compile_bench/$crate.rs
        rm -rf "$CARGO_TARGET_DIR"/debug/incremental/compile_"$crate"-*
        touch "benches/compile/$crate.rs"
        timed "$crate-cold" cargo build --example "compile_$crate"
        # Edit one handler (tests/compile_bench_sources.rs checks that the text is in exactly
        # one) and rebuild on the cache the cold build left.
        sed -i "s/action 7: /action 7 (run $run): /" "$generated"
        grep -q "action 7 (run $run): " "$generated"
        timed "$crate-incremental" cargo build --example "compile_$crate"
        cp "$work/backup/$crate.rs" "$generated"
    done
    log "  run $run of $RUNS done"
done

printf '| build (200 actions, dev profile) | with the macros: wall s / CPU s | without: wall s / CPU s | ratio wall / CPU |\n'
printf '|---|---:|---:|---:|\n'
for kind in cold incremental; do
    dw=$(median "$work/derived-$kind" 1)
    dc=$(median "$work/derived-$kind" 2)
    hw=$(median "$work/handwritten-$kind" 1)
    hc=$(median "$work/handwritten-$kind" 2)
    awk -v k="$kind" -v dw="$dw" -v dc="$dc" -v hw="$hw" -v hc="$hc" \
        'BEGIN { printf "| %s | %s / %s | %s / %s | %.2fx / %.2fx |\n", k, dw, dc, hw, hc, dw / hw, dc / hc }'
done
