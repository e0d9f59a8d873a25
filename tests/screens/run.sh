#!/usr/bin/env bash
# The ctest entry of the screens' browser tests: installs playwright-core (pinned) beside the
# build, then runs tests/screens/screens.test.mjs against the build's stationd.
# usage: tests/screens/run.sh BUILD_DIR
# Exit 77 (ctest: skipped) when node, npm, playwright-core or chromium is missing, except with
# CI=true, where that fails.
set -uo pipefail
build=$(cd "$1" && pwd)
src=$(cd "$(dirname "$0")/../.." && pwd)
node_dir="$build/screens-node"

missing() {
  if [ "${CI:-}" = "true" ]; then
    echo "FAIL screens: $*"
    echo "screens: 0 passed, 1 failed"
    exit 1
  fi
  echo "SKIP screens: $*"
  exit 77
}

command -v node >/dev/null || missing "node is not installed (scripts/install-deps.sh)"
mkdir -p "$node_dir"
if ! "$src/scripts/install-screens-deps.sh" "$node_dir" >"$node_dir/install.log" 2>&1; then
  cat "$node_dir/install.log"
  missing "playwright-core could not be installed (scripts/install-screens-deps.sh)"
fi
exec node "$src/tests/screens/screens.test.mjs" "$build" "$node_dir"
