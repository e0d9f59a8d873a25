#!/usr/bin/env bash
# Installs what the screens' browser tests need besides Debian's chromium (scripts/install-deps.sh):
# npm playwright-core, pinned by tests/screens/package-lock.json, into a folder outside the
# source tree. playwright-core downloads no browser: the tests drive /usr/bin/chromium.
# usage: scripts/install-screens-deps.sh [DIR]   (default: build/screens-node)
# Idempotent and safe to run from several tests at once: a lock serialises them, and a stamp
# of the lock file skips npm when nothing changed.
set -euo pipefail

src="$(cd "$(dirname "$0")/.." && pwd)/tests/screens"
dest="${1:-$(dirname "$src")/../build/screens-node}"
mkdir -p "$dest"
dest="$(cd "$dest" && pwd)"

for tool in node npm; do
  if ! command -v "$tool" >/dev/null; then
    echo "install-screens-deps: $tool is missing; run scripts/install-deps.sh" >&2
    exit 1
  fi
done

exec 9>"$dest/.install.lock"
flock 9

stamp="$(sha256sum "$src/package-lock.json" | cut -d' ' -f1)"
if [ -f "$dest/node_modules/playwright-core/package.json" ] &&
   [ "$(cat "$dest/.stamp" 2>/dev/null)" = "$stamp" ]; then
  exit 0
fi

cp "$src/package.json" "$src/package-lock.json" "$dest/"
rm -f "$dest/.stamp"
# --ignore-scripts: playwright-core needs no install step, and nothing else should run.
(cd "$dest" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
echo "$stamp" >"$dest/.stamp"
echo "install-screens-deps: playwright-core installed in $dest"
