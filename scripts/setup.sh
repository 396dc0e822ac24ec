#!/usr/bin/env bash
# Installs the Debian packages Pictor needs to build, test and run. Idempotent: when everything
# is present it only checks (a fraction of a second) and installs nothing.
set -euo pipefail

PACKAGES=(
  # toolchain
  build-essential cmake ninja-build pkg-config git ca-certificates
  # engine and CLI libraries
  libvips-dev libexiv2-dev liblcms2-dev libimagequant-dev libhwy-dev libjpeg62-turbo-dev
  nlohmann-json3-dev libfmt-dev libspdlog-dev libcli11-dev libtomlplusplus-dev
  # server: HTTP (Boost.Beast), SQLite, OpenSSL (hashes, ids); curl for the HTTP tests
  libboost1.74-dev libsqlite3-dev libssl-dev curl prometheus-cpp-dev libcurl4-openssl-dev
  # tests and micro-benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
  # tools the tests and the corpus script call: vips/vipsheader, heif-enc, cwebp, jpegtran,
  # exiftool, ImageMagick (an independent reference in the golden tests), butteraugli_main
  # (libjxl-devtools: perceptual distance in the pyramid test), prlimit, python3
  libvips-tools libheif-examples webp libjpeg-turbo-progs libimage-exiftool-perl imagemagick
  libjxl-devtools
  util-linux python3
)
# node runs the reference BlurHash implementation in the unit tests (npm_packages below):
# Debian's nodejs and npm, unless a node with its npm is already installed (e.g. NodeSource's).
command -v node >/dev/null && command -v npm >/dev/null || PACKAGES+=(nodejs npm)

# npm packages the tests compare with, in .cache/node: `blurhash` 2.0.5 (woltapp's TypeScript
# reference, tests/unit/colors_test.cc). Only when absent; offline, that test is skipped.
npm_packages() {
  local dir
  dir="$(cd "$(dirname "$0")/.." && pwd)/.cache/node"
  [ -e "$dir/node_modules/blurhash/package.json" ] && return 0
  mkdir -p "$dir"
  if npm install --silent --no-audit --no-fund --prefix "$dir" blurhash@2.0.5 >/dev/null 2>&1; then
    echo "setup: installed npm blurhash 2.0.5 into .cache/node"
  else
    echo "setup: could not install npm blurhash (offline?): its reference test will be skipped" >&2
  fi
}

missing=()
for p in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all packages present"
  npm_packages
  exit 0
fi

SUDO=""
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null || { echo "setup: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  SUDO=sudo
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: installed ${#missing[@]} packages"
npm_packages
