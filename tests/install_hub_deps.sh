#!/usr/bin/env bash
# What tests/test_hub.py needs from outside PyPI: Debian's chromium (Playwright drives it, no browser
# download), patchelf (hub/hubctl.py copies this checkout's Python for the accounts), bubblewrap (the grading
# sandbox, as the course account), PostgreSQL, and configurable-http-proxy from npm.
set -euo pipefail
cd "$(dirname "$0")/.."
NEED=""
[ -x /usr/bin/chromium ] || NEED="$NEED chromium"
command -v patchelf >/dev/null 2>&1 || NEED="$NEED patchelf"
command -v bwrap >/dev/null 2>&1 || NEED="$NEED bubblewrap"
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || NEED="$NEED postgresql"
command -v npm >/dev/null 2>&1 || NEED="$NEED npm"
if [ -n "$NEED" ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "the hub tests need:$NEED; run: sudo apt-get install -y$NEED" >&2
        exit 1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get update -qq </dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $NEED </dev/null
fi
if [ ! -x hub/node/node_modules/.bin/configurable-http-proxy ]; then
    npm install --silent --no-audit --no-fund --prefix hub/node configurable-http-proxy@5.3.0
fi
