#!/usr/bin/env bash
# Makes a Docker engine answer on /var/run/docker.sock, for tests and local development, with
# what the node agent requires of a production node (README, "Deploy a node"):
#   - volumes on XFS mounted with project quotas, so `docker volume create --opt size=` holds
#     (the local volume driver's quota support); here a sparse image file, made once and mounted
#     over /var/lib/docker/volumes, stands in for the XFS partition a server gets;
#   - gVisor (Debian's runsc) registered as the runtime "runsc" with --network=host, which
#     Debian's 2022 runsc needs to accept Docker's networking.
# Idempotent: what is already in place is left alone. An engine this script did not start is
# never stopped or reconfigured; the script only says what it lacks. dockerd is started by hand
# with default settings, as root (these machines have no init system running services); its pid
# goes to /run/instantworker-dockerd.pid so that only the engine this script started is touched.
set -euo pipefail
DOCKER_READY_TIMEOUT_S=60
DOCKER_STOP_TIMEOUT_S=60
PID_FILE=/run/instantworker-dockerd.pid
DAEMON_JSON=/etc/docker/daemon.json
VOLUMES_DIR=/var/lib/docker/volumes
# Sparse: it takes only what volumes hold; the quota of each volume is set by the agent.
VOLUMES_IMAGE=${IW_VOLUMES_IMAGE:-/var/lib/instantworker-docker-volumes.xfs}
VOLUMES_IMAGE_SIZE=${IW_VOLUMES_IMAGE_SIZE:-64G}
# dockerd lives in /usr/sbin, which a non-login shell's PATH may lack.
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
export DEBIAN_FRONTEND=noninteractive
log() { printf '[ensure-docker] %s\n' "$*" >&2; }
is_root() { [ "$(id -u)" = 0 ]; }

apt_install() {
  apt-get install -y -qq --no-install-recommends "$@" >&2 \
    || { apt-get update -qq >&2 && apt-get install -y -qq --no-install-recommends "$@" >&2; }
}

our_engine_pid() {
  [ -f "$PID_FILE" ] || return 1
  local pid
  pid=$(cat "$PID_FILE")
  [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = dockerd ] && echo "$pid"
}

volumes_have_quota() {
  [ -d "$VOLUMES_DIR" ] || return 1
  [ "$(stat -f -c %T "$VOLUMES_DIR")" = xfs ] || return 1
  findmnt -n -o OPTIONS --target "$VOLUMES_DIR" | grep -Eq '(^|,)(prjquota|pquota)(,|$)'
}

runsc_registered() {
  [ -f "$DAEMON_JSON" ] && grep -q '"runsc"' "$DAEMON_JSON" && grep -q -- '--network=host' "$DAEMON_JSON"
}

# The XFS image, made once. Its trial mount with prjquota tells whether this kernel has XFS
# quotas at all (CONFIG_XFS_QUOTA): without them nothing here can give Docker volume sizes.
prepare_volumes_fs() {
  command -v mkfs.xfs >/dev/null 2>&1 || { log "installing Debian's xfsprogs"; apt_install xfsprogs; }
  if [ ! -f "$VOLUMES_IMAGE" ]; then
    log "making $VOLUMES_IMAGE (XFS, sparse, $VOLUMES_IMAGE_SIZE) for Docker's volumes"
    truncate -s "$VOLUMES_IMAGE_SIZE" "$VOLUMES_IMAGE"
    mkfs.xfs -q "$VOLUMES_IMAGE"
  fi
  local staging
  staging=$(mktemp -d)
  if ! mount -o loop,prjquota "$VOLUMES_IMAGE" "$staging" 2>/dev/null; then
    rmdir "$staging"
    log "warning: this kernel cannot mount XFS with project quotas (CONFIG_XFS_QUOTA); Docker cannot size volumes here"
    return 1
  fi
  umount "$staging" && rmdir "$staging"
}

# Mounts the XFS image over the volumes folder, carrying over what is already there (the
# volume driver's metadata.db and any volumes), so nothing an engine knew is lost.
mount_volumes_fs() {
  mkdir -p "$VOLUMES_DIR"
  local staging
  staging=$(mktemp -d)
  # discard: space freed in the file system is given back to the sparse file.
  mount -o loop,prjquota,discard "$VOLUMES_IMAGE" "$staging"
  if [ -n "$(ls -A "$VOLUMES_DIR")" ]; then cp -a "$VOLUMES_DIR/." "$staging/"; fi
  umount "$staging" && rmdir "$staging"
  mount -o loop,prjquota,discard "$VOLUMES_IMAGE" "$VOLUMES_DIR"
  log "volumes on XFS with project quotas ($VOLUMES_IMAGE on $VOLUMES_DIR)"
}

register_runsc() {
  command -v runsc >/dev/null 2>&1 || { log "installing Debian's runsc (gVisor)"; apt_install runsc || return 0; }
  mkdir -p "$(dirname "$DAEMON_JSON")"
  # runsc's own installer merges the runtime into daemon.json and keeps every other setting.
  runsc install --config_file "$DAEMON_JSON" --runtime runsc -- --network=host >&2
  log "runsc registered in $DAEMON_JSON"
}

start_engine() {
  log "starting dockerd"
  nohup dockerd --host unix:///var/run/docker.sock >>/var/log/instantworker-dockerd.log 2>&1 &
  echo $! > "$PID_FILE"
  for _ in $(seq 1 "$DOCKER_READY_TIMEOUT_S"); do
    if docker info >/dev/null 2>&1; then
      log "engine ready ($(docker version --format '{{.Server.Version}}'); runtimes: $(docker info --format '{{range $k, $v := .Runtimes}}{{$k}} {{end}}'))"
      return 0
    fi
    sleep 1
  done
  log "dockerd did not answer within ${DOCKER_READY_TIMEOUT_S}s; see /var/log/instantworker-dockerd.log"
  tail -20 /var/log/instantworker-dockerd.log >&2 || true
  return 1
}

stop_engine() {
  local pid=$1
  log "stopping dockerd ($pid) to reconfigure it"
  kill -TERM "$pid"
  for _ in $(seq 1 "$DOCKER_STOP_TIMEOUT_S"); do
    [ -d "/proc/$pid" ] || return 0
    sleep 1
  done
  log "dockerd ($pid) did not stop within ${DOCKER_STOP_TIMEOUT_S}s"
  return 1
}

if docker info >/dev/null 2>&1; then
  quota_ok=true; volumes_have_quota || quota_ok=false
  runsc_ok=true; runsc_registered || runsc_ok=false
  if $quota_ok && $runsc_ok; then exit 0; fi
  if ! pid=$(our_engine_pid) || ! is_root; then
    $quota_ok || log "warning: this engine's volumes are not on XFS with project quotas; the agent refuses to provision (EMPLOYEE_DISK_QUOTA=off only for development)"
    $runsc_ok || log "warning: this engine has no runsc runtime; employees run under runc"
    exit 0
  fi
  if ! $runsc_ok; then
    register_runsc
    # Runtimes are among the settings dockerd reloads on SIGHUP.
    kill -HUP "$pid"
    sleep 1
    log "dockerd reloaded"
  fi
  # Moving the volumes needs the engine stopped: only when the kernel can do it at all.
  if ! $quota_ok && prepare_volumes_fs; then
    stop_engine "$pid"
    mount_volumes_fs
    start_engine
  fi
  exit 0
fi

if ! command -v dockerd >/dev/null 2>&1; then
  if ! is_root; then log "dockerd is missing and installing it needs root"; exit 1; fi
  log "installing Debian's docker.io"
  apt-get update -qq >&2
  apt_install docker.io iptables
fi

if ! is_root; then log "no engine answers and starting dockerd needs root"; exit 1; fi
if ! volumes_have_quota && prepare_volumes_fs; then mount_volumes_fs; fi
runsc_registered || register_runsc
start_engine
