#!/usr/bin/env bash
# Installs the peers the thumbnail benchmark runs side by side with Pictor: vipsthumbnail
# (libvips-tools), ImageMagick, GraphicsMagick, djpeg (the decode floor), GNU time, wrk and nginx
# (the HTTP benchmark), and sharp from
# npm into bench/.node. Idempotent.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
PKGS=(libvips-tools imagemagick graphicsmagick libjpeg-turbo-progs time nodejs npm wrk nginx-light)
missing=()
for p in "${PKGS[@]}"; do
  [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" = "install ok installed" ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  # Node may come from outside Debian's packages (e.g. a preinstalled node); only install it when absent.
  if command -v node >/dev/null && command -v npm >/dev/null; then
    missing=($(printf '%s\n' "${missing[@]}" | grep -vx -e nodejs -e npm || true))
  fi
  if [ ${#missing[@]} -gt 0 ]; then
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi
if [ ! -e "$HERE/.node/node_modules/sharp/package.json" ]; then
  mkdir -p "$HERE/.node"
  npm install --silent --no-audit --no-fund --prefix "$HERE/.node" sharp@0.35 >/dev/null
fi
echo "peers: vipsthumbnail $(vips --version | cut -d- -f2), $(convert-im6.q16 -version | head -1 | cut -d' ' -f2-3), GraphicsMagick $(gm -version | head -1 | cut -d' ' -f2), sharp $(node -p "require('$HERE/.node/node_modules/sharp/package.json').version")"
