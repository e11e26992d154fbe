#!/usr/bin/env bash
# Builds the employee image (infra/employee/) and reuses it when it is already there.
#
# The tag is a hash of everything that goes into the image (Dockerfile, packages, supervisor, Node
# and OpenClaw versions), so a change rebuilds and an unchanged tree costs nothing. The tag is
# printed on stdout; `instantworker/employee:local` points at the newest build.
#
# BASE_IMAGE: used when set (production: debian:bookworm-slim from a registry). Otherwise
# debian:bookworm-slim when the engine has it, else a minimal Debian made here with debootstrap and
# `docker import` (these machines reach Debian's mirror but no container registry).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ctx="$here/employee"
OPENCLAW_VERSION=2026.9.6
NPM_VERSION=11.19.1
LOCAL_BASE=instantworker/debian-base:bookworm
log() { printf '[employee-image] %s\n' "$*" >&2; }

node_bin=$(node -p process.execPath)
node_version=$(node --version)
case "$node_version" in v24.*) ;; *) log "needs Node 24 to stage (found $node_version); run through npm run"; exit 1 ;; esac

hash=$( (cd "$ctx" && cat Dockerfile packages.txt supervise.mjs page-info.mjs chromium-policy.json novnc-index.html statx-shim.c; cat /usr/local/share/ca-certificates/*.crt 2>/dev/null; echo "$node_version $OPENCLAW_VERSION $NPM_VERSION") | sha256sum | cut -c1-12)
IMAGE="instantworker/employee:$hash"
if docker image inspect "$IMAGE" >/dev/null 2>&1; then
  docker tag "$IMAGE" instantworker/employee:local
  echo "$IMAGE"
  exit 0
fi

base=${BASE_IMAGE:-}
if [ -z "$base" ]; then
  if docker image inspect debian:bookworm-slim >/dev/null 2>&1; then
    base=debian:bookworm-slim
  else
    base=$LOCAL_BASE
    if ! docker image inspect "$base" >/dev/null 2>&1; then
      if [ "$(id -u)" != 0 ]; then log "making $base needs root (debootstrap)"; exit 1; fi
      command -v debootstrap >/dev/null 2>&1 || {
        log "installing Debian's debootstrap"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >&2 \
          || { apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >&2; }
      }
      rootfs=$(mktemp -d)
      trap 'rm -rf "$rootfs"' EXIT
      log "debootstrap --variant=minbase bookworm (about a minute)"
      debootstrap --variant=minbase bookworm "$rootfs" http://deb.debian.org/debian >&2
      # The image's apt then also sees the point-release and security updates.
      cat > "$rootfs/etc/apt/sources.list" <<'SOURCES'
deb http://deb.debian.org/debian bookworm main
deb http://deb.debian.org/debian bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
SOURCES
      rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
      log "importing $base"
      tar -C "$rootfs" -c . | docker import - "$base" >/dev/null
      rm -rf "$rootfs"
      trap - EXIT
    fi
  fi
fi

# Node 24 and npm go in from the npm registry, as for the project itself.
stage="$ctx/.stage"
rm -rf "$stage" && mkdir -p "$stage/npm" "$stage/extra-ca"
# Public certificates this machine added to its trust store (none on a plain server).
find /usr/local/share/ca-certificates -maxdepth 1 -name '*.crt' -exec cp {} "$stage/extra-ca/" \; 2>/dev/null || true
cp "$node_bin" "$stage/node"
tarball=$(cd "$stage" && npm pack --silent "npm@$NPM_VERSION")
tar -xzf "$stage/$tarball" -C "$stage/npm" --strip-components=1
rm -f "$stage/$tarball"

log "building $IMAGE on $base (OpenClaw $OPENCLAW_VERSION, Node $node_version)"
started=$(date +%s)
# Host networking for the build only: apt and npm reach their mirrors the way this machine does.
docker build --network host -q -t "$IMAGE" \
  --build-arg "BASE_IMAGE=$base" --build-arg "OPENCLAW_VERSION=$OPENCLAW_VERSION" "$ctx" >/dev/null
docker tag "$IMAGE" instantworker/employee:local
rm -rf "$stage"
log "built $IMAGE in $(( $(date +%s) - started ))s ($(docker image inspect -f '{{.Size}}' "$IMAGE" | awk '{printf "%.0f MB", $1/1e6}'))"
echo "$IMAGE"
