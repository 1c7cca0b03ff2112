#!/usr/bin/env bash
# Installs the locked dependencies when node_modules is missing or older than package-lock.json,
# so `npm start` and `npm test` work straight after a clone.
set -euo pipefail
cd "$(dirname "$0")/.."
marker=node_modules/.package-lock.json
if [ ! -f "$marker" ] || [ package-lock.json -nt "$marker" ]; then
  echo "installing dependencies (npm ci)"
  npm ci --no-audit --no-fund
fi
