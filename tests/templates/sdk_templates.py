"""The Python SDK's side of the widget template tests and benchmark.

Run with the interpreter of a virtualenv holding the official `openai-chatkit` package:

    $CHATKIT_ORACLE_VENV/bin/python tests/templates/sdk_templates.py render tests/templates/cases.json
        For each case ({"name", "widget", "data"}), builds the widget with the SDK's
        `WidgetTemplate` and prints one JSON line: {"name", "dynamic", "strict"} where
        `dynamic` is what `build()` returns, dumped as the SDK's server writes it, and `strict`
        the same JSON validated by the SDK's typed models (null when they reject it); or
        {"name", "error"} when building fails.

    $CHATKIT_ORACLE_VENV/bin/python tests/templates/sdk_templates.py bench WIDGET DATA_JSON SECONDS
        Builds WIDGET with the data in the file DATA_JSON as many times as fit in SECONDS (after
        a warm-up of the same length) and prints {"iterations", "ns_per_build"}.

    $CHATKIT_ORACLE_VENV/bin/python tests/templates/sdk_templates.py rounds WIDGET DATA_JSON SECONDS
        The same, in rounds: after the warm-up it prints {"ready": true}, then for each line
        read from its standard input it builds for SECONDS and prints {"iterations",
        "ns_per_build"}, until the input ends. The benchmark alternates these rounds with its
        own, so that both sides see the machine in the same state.
"""

import json
import sys
import time
import warnings
from pathlib import Path

from pydantic import TypeAdapter

warnings.simplefilter("ignore", DeprecationWarning)

from chatkit.widgets import StrictWidgetRoot, WidgetTemplate  # noqa: E402

STRICT = TypeAdapter(StrictWidgetRoot)


def dump(widget):
    return json.loads(widget.model_dump_json(by_alias=True, exclude_none=True))


def render(cases_path):
    folder = Path(cases_path).parent
    templates = {}
    for case in json.loads(Path(cases_path).read_text(encoding="utf-8")):
        widget = case["widget"]
        if widget not in templates:
            templates[widget] = WidgetTemplate.from_file(str((folder / widget).resolve()))
        try:
            dynamic = dump(templates[widget].build(case["data"]))
        except Exception as error:  # noqa: BLE001 - any failure is the answer
            print(json.dumps({"name": case["name"], "error": f"{type(error).__name__}: {error}"}))
            continue
        try:
            strict = json.loads(
                STRICT.dump_json(STRICT.validate_python(dynamic), by_alias=True, exclude_none=True)
            )
        except Exception:  # noqa: BLE001 - the typed models reject it: no strict form
            strict = None
        print(json.dumps({"name": case["name"], "dynamic": dynamic, "strict": strict}))


def timed(template, data, seconds):
    iterations = 0
    start = time.perf_counter()
    while True:
        template.build(data)
        iterations += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            break
    return {"iterations": iterations, "ns_per_build": elapsed * 1e9 / iterations}


def load(widget, data_path):
    template = WidgetTemplate.from_file(str(Path(widget).resolve()))
    data = json.loads(Path(data_path).read_text(encoding="utf-8"))
    return template, data


def bench(widget, data_path, seconds):
    template, data = load(widget, data_path)
    timed(template, data, seconds)
    print(json.dumps(timed(template, data, seconds)))


def rounds(widget, data_path, seconds):
    template, data = load(widget, data_path)
    timed(template, data, seconds)
    print(json.dumps({"ready": True}), flush=True)
    for _ in sys.stdin:
        print(json.dumps(timed(template, data, seconds)), flush=True)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "render":
        render(sys.argv[2])
    elif len(sys.argv) == 5 and sys.argv[1] == "bench":
        bench(sys.argv[2], sys.argv[3], float(sys.argv[4]))
    elif len(sys.argv) == 5 and sys.argv[1] == "rounds":
        rounds(sys.argv[2], sys.argv[3], float(sys.argv[4]))
    else:
        sys.exit(__doc__)
