#!/usr/bin/env bash
# Runs every test: installs what is missing, type-checks, lints, runs vitest, and prints the plain
# summary line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-system.sh || exit 1
# What the tests use besides labgate's own needs: Debian's Chromium for the browser tests (playwright-core
# cannot download its own browser here), Jupyter's notebook server, which the job tests run, and unzip and
# xmllint, which check the SCORM packages labgate writes (their archive, and their manifest's schema).
test_missing=()
command -v chromium >/dev/null 2>&1 || test_missing+=(chromium)
command -v jupyter-notebook >/dev/null 2>&1 || test_missing+=(python3-notebook)
command -v unzip >/dev/null 2>&1 || test_missing+=(unzip)
command -v xmllint >/dev/null 2>&1 || test_missing+=(libxml2-utils)
if [ "${#test_missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "labgate: installing ${test_missing[*]} for the tests…"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${test_missing[@]}" >/dev/null || exit 1
  else
    echo "labgate: the tests need: sudo apt-get install ${test_missing[*]}" >&2
    exit 1
  fi
fi
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund || exit 1
fi
status=0
npm run --silent build || status=1
npx tsc -p tsconfig.json --noEmit || status=1
# The dashboard's browser modules: their own project (DOM, no Node types).
npx tsc -p tsconfig.web.json || status=1
npm run --silent lint || status=1
# The layering: allowed import directions, adapters behind their ports, no cycles (docs/architecture.md).
node scripts/check-layers.mjs || status=1
rm -f .vitest-results.json .vitest-results-postgres.json
npx vitest run "$@" || status=1
# With a PostgreSQL server (LABGATE_TEST_PG_URL, which .ci/run sets), the whole suite runs a second time
# with every labgate the tests start serving from a fresh PostgreSQL database of its own.
if [ -n "${LABGATE_TEST_PG_URL:-}" ]; then
  echo "labgate: the suite again, serving from PostgreSQL…"
  LABGATE_TEST_DATABASE=postgres npx vitest run --outputFile.json=.vitest-results-postgres.json "$@" || status=1
fi
node scripts/test-summary.mjs "$status"
exit $status
