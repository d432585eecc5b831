#!/usr/bin/env bash
# Runs the suite with the process clock moved far from today (libfaketime), once ahead and once
# back: a test that reads the real date instead of its injected clock fails here. Browser tests
# are left out (Chromium's own clock checks are not ours to test).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v faketime >/dev/null 2>&1; then
  echo "faketime is missing: apt-get install faketime" >&2
  exit 1
fi
for shift in ${CLOCK_SHIFTS:-+400d -400d}; do
  echo "== the suite with the clock moved ${shift} (faketime)"
  faketime -f "${shift}" npx mocha --ignore 'test/**/*.browser.test.ts'
done
