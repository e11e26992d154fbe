#!/usr/bin/env bash
# Makes a Docker engine answer on /var/run/docker.sock, for tests and local development, with
# what the node agent requires of a production node (docs/deploy.md, "A node"):
#   - gVisor (Debian's runsc) registered as the runtime "runsc" with --network=host, which
#     Debian's 2022 runsc needs to accept Docker's networking;
#   - e2fsprogs (mkfs.ext4), for the employees' disks the agent makes and loop-mounts itself.
# Idempotent: what is already in place is left alone. An engine this script did not start is
# never stopped or reconfigured; the script only says what it lacks. dockerd is started by hand
# with default settings, as root (these machines have no init system running services); its pid
# goes to /run/instantworker-dockerd.pid so that only the engine this script started is touched.
set -euo pipefail
DOCKER_READY_TIMEOUT_S=60
PID_FILE=/run/instantworker-dockerd.pid
DAEMON_JSON=/etc/docker/daemon.json
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

runsc_registered() {
  [ -f "$DAEMON_JSON" ] && grep -q '"runsc"' "$DAEMON_JSON" && grep -q -- '--network=host' "$DAEMON_JSON"
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
  # In a session of its own (setsid): the engine must outlive whoever asked for it. Started in
  # the caller's process group, it died when a test run or a dev stack was ended by its group,
  # under every other run using the machine's engine (seen: a CI run's Docker suites failing
  # midway). dockerd writes its own pid file, which is how this script knows its engine.
  # Nor may it keep the caller's open files: started under `flock /tmp/iw-heavy.lock`, it held
  # that lock for as long as it ran, and every later heavy run waited forever.
  rm -f "$PID_FILE"
  setsid -f bash -c 'for fd in /proc/$$/fd/*; do n=${fd##*/}; [ "$n" -gt 2 ] && eval "exec $n>&-"; done
    exec nohup dockerd --host unix:///var/run/docker.sock --pidfile "$1"' _ "$PID_FILE" \
    >>/var/log/instantworker-dockerd.log 2>&1 </dev/null
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

ensure_mkfs() {
  command -v mkfs.ext4 >/dev/null 2>&1 && return 0
  if is_root; then log "installing Debian's e2fsprogs"; apt_install e2fsprogs || true
  else log "warning: mkfs.ext4 is missing; the agent cannot make employees' disks"; fi
}

if docker info >/dev/null 2>&1; then
  ensure_mkfs
  runsc_registered && exit 0
  if ! pid=$(our_engine_pid) || ! is_root; then
    log "warning: this engine has no runsc runtime; employees run under runc"
    exit 0
  fi
  register_runsc
  # Runtimes are among the settings dockerd reloads on SIGHUP.
  kill -HUP "$pid"
  sleep 1
  log "dockerd reloaded"
  exit 0
fi

if ! command -v dockerd >/dev/null 2>&1; then
  if ! is_root; then log "dockerd is missing and installing it needs root"; exit 1; fi
  log "installing Debian's docker.io"
  apt-get update -qq >&2
  apt_install docker.io iptables
fi

if ! is_root; then log "no engine answers and starting dockerd needs root"; exit 1; fi
ensure_mkfs
runsc_registered || register_runsc
start_engine
