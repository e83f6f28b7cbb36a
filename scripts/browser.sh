#!/usr/bin/env bash
# Installs what the playground's browser test (tests/playground_e2e.rs) needs, once:
#
# - Debian's `chromium` (/usr/bin/chromium), when it is missing (apt-get; run as root);
# - `playwright-core`, pinned by tests/e2e/package-lock.json, into tests/e2e/node_modules
#   (`npm ci`, skipped when the installed tree matches the lock file). Playwright's own
#   browser download is never used: the test drives Debian's Chromium.
#
# Prints the path of the Chromium binary last, for `CHATKIT_CHROMIUM`.
set -euo pipefail
cd "$(dirname "$0")/.."

chromium="${CHATKIT_CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$chromium" ]; then
    echo "installing Debian's chromium" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends chromium >&2
fi

e2e=tests/e2e
# npm ci writes node_modules/.package-lock.json; when it equals the lock file's packages,
# the tree is already what the lock file pins.
if ! node -e '
    const fs = require("fs");
    const want = JSON.parse(fs.readFileSync(process.argv[1])).packages;
    const have = JSON.parse(fs.readFileSync(process.argv[2])).packages;
    for (const [path, pkg] of Object.entries(want)) {
        if (path && (!have[path] || have[path].version !== pkg.version)) process.exit(1);
    }' "$e2e/package-lock.json" "$e2e/node_modules/.package-lock.json" 2>/dev/null; then
    echo "installing playwright-core into $e2e/node_modules" >&2
    (cd "$e2e" && npm ci --no-audit --no-fund --loglevel=error >&2)
fi

echo "$chromium"
