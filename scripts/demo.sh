#!/usr/bin/env bash
# Starts stationd in demo mode: simulated scanner, scale and printer, and the demo orders.
# Usage: scripts/demo.sh BUILD_DIR DATA_DIR (make demo passes both).
set -euo pipefail
build=${1:-build}
data=${2:-$build/demo-data}
mkdir -p "$data"
cat <<MSG

stationd demo: data in $data, labels written to $data/labels/
  API       http://127.0.0.1:8080/api/status   (docs/api.md)
  scanner   one code per line:  nc 127.0.0.1 9101   then type e.g. U-1001, 1001, 3760123450010
  or        $build/bin/stationctl scan U-1001 ; $build/bin/stationctl scan 1001
  scale     $build/bin/stationctl weight 1030
  status    $build/bin/stationctl status ; $build/bin/stationctl orders
  badges    U-1001 Alice (packer), U-1002 Bruno (packer), U-2001 Chloé (returns), U-9001 Sophie (supervisor)
  commands  docs/barcodes.md
  shop      http://127.0.0.1:8081/wp-json (WooCommerce simulator; counts: curl 127.0.0.1:8081/_sim/counts)
            $build/bin/stationctl sync   shows the outbox, the last success and error
Stop with Ctrl-C.

MSG
# The demo shop the station syncs with ([shop] in config/demo.toml): a WooCommerce simulator on
# 127.0.0.1:8081 holding the same orders. Stopped with the demo.
"$build/bin/shopsim" --port 8081 --orders tools/shopsim/demo-shop.json --key ck_demo \
    --secret cs_demo --quiet &
shop_pid=$!
trap 'kill $shop_pid 2>/dev/null || true' EXIT
"$build/bin/stationd" --config config/demo.toml --data-dir "$data" --demo
