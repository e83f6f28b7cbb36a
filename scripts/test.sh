#!/usr/bin/env bash
# The test command of the README: installs what the tests need, then runs them all.
#
# - the Python SDK "oracle" (../shared/conformance/oracle), a virtualenv with the official
#   openai-chatkit package that validates what this project emits; built once into
#   target/chatkit-sdk when python3 and the shared folder are there;
# - Debian's Chromium and playwright-core for the playground's browser test
#   (scripts/browser.sh, which does nothing when they are there);
# - the pinned npm packages of the TypeScript check (scripts/ts-setup.sh: typescript,
#   @openai/chatkit, ajv in tests/typescript/node_modules), needed by tests/typescript.rs;
# - a throw-away PostgreSQL server for the PostgreSQL store's tests (scripts/postgres.sh,
#   which installs Debian's postgresql when needed), stopped at exit; unless
#   CHATKIT_POSTGRES_URL already names one;
# - every test of the workspace (unit, integration, UI and doc tests), all features on;
# - the documentation, with warnings as errors.
set -euo pipefail
cd "$(dirname "$0")/.."

shared="${CHATKIT_SHARED_DIR:-../shared}"
if [ -z "${CHATKIT_ORACLE_VENV:-}" ] && command -v python3 >/dev/null 2>&1 \
    && [ -f "$shared/anchors/python-chatkit/setup.sh" ]; then
    venv="$PWD/target/chatkit-sdk"
    if [ ! -x "$venv/bin/python" ]; then
        echo "setting up the Python SDK oracle in $venv"
        mkdir -p target
        bash "$shared/anchors/python-chatkit/setup.sh" "$venv" >/dev/null
    fi
    export CHATKIT_ORACLE_VENV="$venv"
fi

CHATKIT_CHROMIUM="$(scripts/browser.sh | tail -n 1)"
export CHATKIT_CHROMIUM

if [ -z "${CHATKIT_TS_NODE_MODULES:-}" ]; then
    scripts/ts-setup.sh >/dev/null
    export CHATKIT_TS_NODE_MODULES="$PWD/tests/typescript/node_modules"
fi

if [ -z "${CHATKIT_POSTGRES_URL:-}" ]; then
    trap 'scripts/postgres.sh stop' EXIT
    eval "$(scripts/postgres.sh start)"
fi

cargo test --workspace --all-features
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --all-features
