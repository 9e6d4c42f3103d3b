#!/usr/bin/env bash
# One command from a fresh clone to a running labgate: installs what is missing, builds, and serves the
# sample portal in examples/ on http://localhost:8080 with its data under .labgate/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-system.sh
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm run --silent build
exec node bin/labgate.js serve --config examples/portal --data .labgate --port "${PORT:-8080}" --host "${HOST:-127.0.0.1}"
