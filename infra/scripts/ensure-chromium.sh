#!/usr/bin/env bash
# Installs Debian's chromium for the browser tests when missing (idempotent). Tests never download
# a browser of their own: playwright is pointed at /usr/bin/chromium.
set -euo pipefail
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" != 0 ]; then echo "[ensure-chromium] /usr/bin/chromium is missing and installing it needs root" >&2; exit 1; fi
echo "[ensure-chromium] installing Debian's chromium" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >&2 \
  || { apt-get update -qq >&2 && apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >&2; }
