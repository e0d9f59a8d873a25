#!/usr/bin/env bash
# Installs the independent ZPL renderer of the label tests (npm zpl-renderer-js, pinned by
# tests/labels/zpl-render/package-lock.json) into a folder outside the source tree.
# usage: scripts/install-zpl-renderer.sh [DIR]   (default: build/zpl-render)
# Idempotent and safe to run from several tests at once: a lock serialises them, and a stamp
# of the lock file skips npm when nothing changed.
set -euo pipefail

src="$(cd "$(dirname "$0")/.." && pwd)/tests/labels/zpl-render"
dest="${1:-$(dirname "$src")/../../build/zpl-render}"
mkdir -p "$dest"
dest="$(cd "$dest" && pwd)"

for tool in node npm; do
  if ! command -v "$tool" >/dev/null; then
    echo "install-zpl-renderer: $tool is missing; run scripts/install-deps.sh" >&2
    exit 1
  fi
done

exec 9>"$dest/.install.lock"
flock 9

stamp="$(sha256sum "$src/package-lock.json" | cut -d' ' -f1)"
if [ -f "$dest/node_modules/zpl-renderer-js/package.json" ] &&
   [ "$(cat "$dest/.stamp" 2>/dev/null)" = "$stamp" ]; then
  exit 0
fi

cp "$src/package.json" "$src/package-lock.json" "$dest/"
rm -f "$dest/.stamp"
# --ignore-scripts: the renderer needs no install step, and nothing else should run.
(cd "$dest" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
echo "$stamp" >"$dest/.stamp"
echo "install-zpl-renderer: zpl-renderer-js installed in $dest"
