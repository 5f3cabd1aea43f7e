#!/usr/bin/env bash
# Debian 12 packages faceau needs to build and test (root or sudo).
set -euo pipefail
pkgs="build-essential cmake pkg-config libjpeg62-turbo-dev libpng-dev libavformat-dev
      libavcodec-dev libswscale-dev libavutil-dev libcmocka-dev python3 libopenblas0"
missing=""
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
$sudo apt-get update -qq
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
