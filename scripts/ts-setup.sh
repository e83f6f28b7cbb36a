#!/usr/bin/env bash
# Installs the pinned npm packages of the TypeScript check (`tests/typescript.rs`): the
# `typescript` compiler, ChatKit's web-component types `@openai/chatkit`, and `ajv` for the
# JSON Schemas, with `npm ci` from the committed tests/typescript/package-lock.json into
# tests/typescript/node_modules (ignored by git).
#
#   scripts/ts-setup.sh
#   CHATKIT_TS_NODE_MODULES=tests/typescript/node_modules cargo test --test typescript
#
# Idempotent and fast: skipped when node_modules was installed from the same lock file.
# Needs Node.js and npm, and access to the npm registry the first time.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$root/tests/typescript"
modules="$dir/node_modules"
stamp="$modules/.chatkit-lock.sha256"

if ! command -v npm >/dev/null 2>&1; then
    echo "scripts/ts-setup.sh: npm is not installed (Node.js 18 or later with npm is needed)" >&2
    exit 1
fi
lock_sum="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$lock_sum" ] \
    && [ -f "$modules/typescript/bin/tsc" ]; then
    echo "TypeScript check ready: $modules"
    exit 0
fi
(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
echo "$lock_sum" > "$stamp"
echo "TypeScript check ready: $modules"
echo "export CHATKIT_TS_NODE_MODULES=$modules"
