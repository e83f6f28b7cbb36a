#!/usr/bin/env bash
# The test command of the README: installs what the tests need, then runs them all.
#
# - the Python SDK "oracle" of tests/server_http.rs (conformance/oracle of the shared folder
#   next to the repository, or CHATKIT_SHARED_DIR), which validates what this project emits
#   with the official openai-chatkit package: when python3 and that folder are there, its
#   virtualenv is built once into target/chatkit-sdk (scripts/oracle-setup.sh); without them
#   that test says it is skipped. The conformance cases themselves are in tests/conformance;
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
    && [ -f "$shared/conformance/oracle/validate.sh" ]; then
    scripts/oracle-setup.sh "$PWD/target/chatkit-sdk" >/dev/null
    export CHATKIT_ORACLE_VENV="$PWD/target/chatkit-sdk"
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
