#!/usr/bin/env bash
# Builds instantworker/test-employee locally, reusing it when already present. There is no
# container registry on these machines, so the base is made with `docker import` from Debian's
# busybox-static, and the image is built on top of it with a normal Dockerfile.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
IMAGE=${TEST_EMPLOYEE_IMAGE:-instantworker/test-employee:1}
BASE=instantworker/busybox-base:1
log() { printf '[test-image] %s\n' "$*" >&2; }

if docker image inspect "$IMAGE" >/dev/null 2>&1; then exit 0; fi

if ! docker image inspect "$BASE" >/dev/null 2>&1; then
  if [ ! -x /bin/busybox ]; then
    log "installing Debian's busybox-static"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq busybox-static >&2 \
      || { apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq busybox-static >&2; }
  fi
  rootfs=$(mktemp -d)
  trap 'rm -rf "$rootfs"' EXIT
  mkdir -p "$rootfs"/{bin,etc,tmp,www}
  chmod 1777 "$rootfs/tmp" # Docker copies this mode onto the tmpfs mounted over /tmp
  cp /bin/busybox "$rootfs/bin/busybox"
  for tool in sh httpd wget cat touch ls sleep id ps grep; do ln -s busybox "$rootfs/bin/$tool"; done
  printf 'root:x:0:0:root:/root:/bin/sh\nemployee:x:1000:1000:employee:/home/employee:/bin/sh\n' > "$rootfs/etc/passwd"
  printf 'root:x:0:\nemployee:x:1000:\n' > "$rootfs/etc/group"
  log "importing $BASE"
  tar -C "$rootfs" -c . | docker import - "$BASE" >/dev/null
fi

log "building $IMAGE"
docker build -q -t "$IMAGE" --build-arg "BASE_IMAGE=$BASE" "$here/test-employee" >/dev/null
log "built $IMAGE"
