#!/usr/bin/env bash
# Idempotent toolchain bootstrap, run first by `npm test`, `npm run demo` and `npm run stack`:
#   1. node_modules (npm install from the lock file, again whenever package-lock.json changes;
#      `npm ci` refuses lock files that leave out optional platform packages a registry mirror lacks);
#   2. the Temporal CLI and redis-server (scripts/setup-tools.ts).
# A second run is a fast no-op.
set -euo pipefail
cd "$(dirname "$0")/.."

stamp=node_modules/.breakwater-lock.sha256
wanted=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
  echo "setup: installing node_modules (npm install from package-lock.json)" >&2
  npm install --no-audit --no-fund --loglevel=error >&2
  sha256sum package-lock.json | cut -d' ' -f1 > "$stamp"
fi

exec node_modules/.bin/tsx scripts/setup-tools.ts
