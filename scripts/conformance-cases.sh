#!/usr/bin/env bash
# Regenerates the wire-conformance cases of tests/conformance.rs (tests/conformance/cases) from
# the official Python SDK: tests/conformance/generate.py builds every case with the SDK's own
# models and writes it with the SDK server's serializer.
#
#   scripts/conformance-cases.sh            # rewrite tests/conformance/cases
#   scripts/conformance-cases.sh --check    # fail if the committed cases differ from the SDK's
#
# The SDK comes from the virtualenv CHATKIT_ORACLE_VENV names, else target/chatkit-sdk, made
# by scripts/oracle-setup.sh when missing (pins in tests/conformance/requirements.txt; needs
# python3 and PyPI the first time).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cases="$root/tests/conformance/cases"

venv="${CHATKIT_ORACLE_VENV:-$root/target/chatkit-sdk}"
if ! "$venv/bin/python" -c 'import chatkit' 2>/dev/null; then
    "$root/scripts/oracle-setup.sh" "$venv" >&2
fi

case "${1:-}" in
--check)
    scratch=$(mktemp -d "${TMPDIR:-/tmp}/conformance-cases.XXXXXX")
    trap 'rm -rf "$scratch"' EXIT
    "$venv/bin/python" "$root/tests/conformance/generate.py" "$scratch" >/dev/null
    if ! diff -r "$scratch" "$cases"; then
        echo "tests/conformance/cases differs from what the SDK writes: run scripts/conformance-cases.sh" >&2
        exit 1
    fi
    echo "tests/conformance/cases is what the SDK writes"
    ;;
"")
    "$venv/bin/python" "$root/tests/conformance/generate.py" "$cases"
    ;;
*)
    echo "usage: scripts/conformance-cases.sh [--check]" >&2
    exit 2
    ;;
esac
