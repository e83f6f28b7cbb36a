#!/usr/bin/env bash
# Sets up the ChatKit wire-format oracle used by `tests/server_http.rs`: a virtualenv with the
# official Python SDK (openai-chatkit), made by the shared anchor's setup.sh.
#
#   scripts/oracle-setup.sh [VENV_DIR]      # VENV_DIR defaults to target/chatkit-sdk
#   CHATKIT_ORACLE_VENV=target/chatkit-sdk cargo test --test server_http
#
# Idempotent: a venv that already imports the SDK is kept as is. Needs network access to PyPI
# the first time. Run it from anywhere; paths are relative to the repository root.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
shared="${CHATKIT_SHARED_DIR:-$root/../shared}"
venv="${1:-$root/target/chatkit-sdk}"
case "$venv" in /*) ;; *) venv="$root/$venv" ;; esac

if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c 'import chatkit' 2>/dev/null; then
    echo "oracle venv ready: $venv"
    exit 0
fi
rm -rf "$venv"
"$shared/anchors/python-chatkit/setup.sh" "$venv"
echo "oracle venv ready: $venv"
echo "export CHATKIT_ORACLE_VENV=$venv"
