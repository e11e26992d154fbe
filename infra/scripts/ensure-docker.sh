#!/usr/bin/env bash
# Makes a Docker engine answer on /var/run/docker.sock, for tests and local development.
# Idempotent: an engine that already answers is left alone. Otherwise Debian's docker.io is
# installed (when missing) and dockerd is started by hand with default settings, as root: these
# machines have no init system running services. Its pid is written to /run/instantworker-dockerd.pid
# so that only the engine this script started is ever stopped by it.
set -euo pipefail
DOCKER_READY_TIMEOUT_S=60
# dockerd lives in /usr/sbin, which a non-login shell's PATH may lack.
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
log() { printf '[ensure-docker] %s\n' "$*" >&2; }

if docker info >/dev/null 2>&1; then exit 0; fi

if ! command -v dockerd >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ]; then log "dockerd is missing and installing it needs root"; exit 1; fi
  log "installing Debian's docker.io"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends docker.io iptables >&2
fi

if [ "$(id -u)" != 0 ]; then log "no engine answers and starting dockerd needs root"; exit 1; fi
log "starting dockerd"
nohup dockerd --host unix:///var/run/docker.sock >/var/log/instantworker-dockerd.log 2>&1 &
echo $! > /run/instantworker-dockerd.pid
for _ in $(seq 1 "$DOCKER_READY_TIMEOUT_S"); do
  if docker info >/dev/null 2>&1; then log "engine ready ($(docker version --format '{{.Server.Version}}'))"; exit 0; fi
  sleep 1
done
log "dockerd did not answer within ${DOCKER_READY_TIMEOUT_S}s; see /var/log/instantworker-dockerd.log"
tail -20 /var/log/instantworker-dockerd.log >&2 || true
exit 1
