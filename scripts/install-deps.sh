#!/usr/bin/env bash
# Installs the Debian 12 packages stationd needs to build, test and run its demo.
# Idempotent: asks apt only for what is missing, so a second run costs nothing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libsqlitecpp-dev libsqlite3-dev sqlite3 libtomlplusplus-dev libsystemd-dev libssl-dev
  libgtest-dev libzxing-dev libhpdf-dev libpng-dev libfreetype-dev fonts-dejavu-core poppler-utils
  libusb-1.0-0-dev libcups2-dev  # USB devices and CUPS queues (drivers/)
  umockdev libumockdev-dev       # emulated USB devices for tests/devices
  cups-daemon cups               # a private cupsd and its socket backend for the CUPS tests
  curl netcat-openbsd procps
  clang libclang-rt-14-dev
  dpkg-dev fakeroot systemd
  nodejs  # runs the independent ZPL renderer of the label tests (scripts/install-zpl-renderer.sh)
  chromium  # the screens' browser tests and bench drive it with playwright-core (tests/screens)
)
# Debian's npm, unless a Node.js that brings its own npm is installed already.
command -v npm >/dev/null || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing: ${missing[*]}"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
