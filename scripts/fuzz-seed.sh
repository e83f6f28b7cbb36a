#!/usr/bin/env bash
# Seeds the `cargo fuzz` corpora from the conformance cases (tests/conformance/cases):
# every request case into fuzz/corpus/request, every action case into fuzz/corpus/action.
# Usage: scripts/fuzz-seed.sh [CONFORMANCE_DIR]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cases="${1:-$root/tests/conformance/cases}"
mkdir -p "$root/fuzz/corpus/request" "$root/fuzz/corpus/action"
python3 - "$cases" "$root/fuzz/corpus" <<'PY'
import json, pathlib, sys
cases, corpus = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
for path in sorted(cases.glob("*.json")):
    case = json.loads(path.read_text())
    body = json.dumps(case.get("json"), separators=(",", ":"))
    name = path.stem
    if name.startswith("req-"):
        (corpus / "request" / name).write_text(body)
    elif name.startswith("action-"):
        (corpus / "action" / name).write_text(body)
        # An action is also the `action` of a custom action request on thread `thr_1`.
        request = {"type": "threads.custom_action",
                   "params": {"thread_id": "thr_1", "item_id": None, "action": case.get("json")}}
        (corpus / "request" / ("custom-" + name)).write_text(json.dumps(request))
PY
echo "seeded: $(ls "$root/fuzz/corpus/request" | wc -l) request, $(ls "$root/fuzz/corpus/action" | wc -l) action cases"
