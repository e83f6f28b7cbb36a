#!/usr/bin/env bash
# Sets up a virtualenv with the official Python SDK (openai-chatkit), pinned by
# tests/conformance/requirements.txt. It regenerates the conformance cases
# (scripts/conformance-cases.sh), and it runs the wire-format oracle of `tests/server_http.rs`:
#
#   scripts/oracle-setup.sh [VENV_DIR]      # VENV_DIR defaults to target/chatkit-sdk
#   CHATKIT_ORACLE_VENV=target/chatkit-sdk cargo test --test server_http
#
# Idempotent: a venv that already imports the SDK is kept as is. Needs python3 and network
# access to PyPI the first time. Run it from anywhere; paths are relative to the repository root.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${1:-$root/target/chatkit-sdk}"
case "$venv" in /*) ;; *) venv="$root/$venv" ;; esac

if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c 'import chatkit' 2>/dev/null; then
    echo "oracle venv ready: $venv"
    exit 0
fi
rm -rf "$venv"
"${PYTHON:-python3}" -m venv "$venv"
"$venv/bin/pip" install --quiet --upgrade pip
"$venv/bin/pip" install --quiet -r "$root/tests/conformance/requirements.txt"
"$venv/bin/python" -c 'import importlib.metadata as m; print("openai-chatkit", m.version("openai-chatkit"))'
echo "oracle venv ready: $venv"
echo "export CHATKIT_ORACLE_VENV=$venv"
