#!/usr/bin/env bash
# make up: the whole system with Docker Compose on this lab server. On the first run it writes
# .env with new random secrets and this host's address (edit it, then run again, to change them);
# then `docker compose up -d`, then where the cameras will appear. Secrets are never printed.
set -euo pipefail
cd "$(dirname "$0")/.."

# UP_ENV_FILE: another settings file (make test-compose keeps its own, never touching .env).
env_file=${UP_ENV_FILE:-.env}

# 32 random bytes from the kernel's CSPRNG, as hex (a token) or base64 (a key).
secret_hex() {
  od -An -tx1 -N32 /dev/urandom | tr -d ' \n'
}
secret_base64() {
  head -c 32 /dev/urandom | base64 | tr -d '\n'
}

# The address NVRs and agents will use: the source address of the default route (no packet is
# sent), else the first address `hostname -I` lists.
detect_host() {
  local addr=''
  if command -v ip >/dev/null 2>&1; then
    addr="$(ip -4 route get 192.0.2.1 2>/dev/null | sed -n 's/.* src \([0-9.]*\).*/\1/p' | head -n 1)"
  fi
  if [ -z "$addr" ]; then
    addr="$(hostname -I 2>/dev/null | awk '{print $1}')"
  fi
  printf '%s' "${addr:-127.0.0.1}"
}

# The value of KEY in .env (the last one wins, as Compose reads it), without sourcing the file.
env_value() {
  local key="$1" default="${2:-}" value
  value="$(sed -n "s/^${key}=//p" "$env_file" | tail -n 1)"
  value="${value%\"}"
  value="${value#\"}"
  printf '%s' "${value:-$default}"
}

# Docker, an engine that answers, and the compose plugin: each missing piece named with how to get
# it, before anything is written. `up.sh --check` stops here (make test-compose uses it).
check_docker() {
  if ! command -v docker >/dev/null 2>&1; then
    echo "make up needs Docker with the compose plugin: no docker command here." >&2
    echo "  Debian: apt-get install docker.io docker-compose-plugin (or Docker's own docker-ce packages)." >&2
    echo "  Without Docker, run the system natively: make dev (README.md)." >&2
    return 1
  fi
  local why
  if ! why="$(docker info --format '{{.ServerVersion}}' 2>&1)"; then
    echo "make up: no Docker engine answers: $(printf '%s' "$why" | tail -n 1)" >&2
    echo "  Start it (systemctl start docker), or check that this user may use it (the docker group)." >&2
    return 1
  fi
  if ! docker compose version >/dev/null 2>&1; then
    echo "make up: Docker answers but its compose plugin is missing ('docker compose' is unknown)." >&2
    echo "  Debian: apt-get install docker-compose-plugin (Docker's repository: the same name)." >&2
    return 1
  fi
}
check_docker || exit 1
if [ "${1:-}" = "--check" ]; then exit 0; fi

if [ ! -f "$env_file" ]; then
  host="$(detect_host)"
  (
    umask 077
    cat >"$env_file" <<EOF
# desk-onvif deployment settings, written by 'make up' on $(date -u +%Y-%m-%dT%H:%M:%SZ).
# Keep this file private: it holds the secrets. Edit, then run 'make up' again.

# The address NVRs use to reach this server (ONVIF and RTSP URLs point here).
PUBLIC_HOST=${host}
# RTSP port NVRs read from (554 where the host allows it).
RTSP_PORT=8554
# ONVIF ports handed out to cameras, one each (DeskCamera's default range).
ONVIF_PORT_RANGE=8090-8110

# Encrypts the cameras' ONVIF passwords at rest in NATS KV (AES-256-GCM: 32 bytes, base64).
ONVIF_USERS_KEY=$(secret_base64)
EOF
  )
  echo "wrote $env_file with new random secrets and PUBLIC_HOST=${host} (check it: edit and run again if wrong)"
fi

# Secrets that later versions need: appended once to an existing .env, never replacing a value.
if ! grep -q '^MEDIA_AUTH_SECRET=' "$env_file"; then
  printf '\n# The secret path of the onvif auth hook: only MediaMTX knows it.\nMEDIA_AUTH_SECRET=%s\n' \
    "$(secret_hex)" >>"$env_file"
  echo "added MEDIA_AUTH_SECRET to $env_file"
fi

# The site's trust material in ./trust, before any container that mounts a file of it is created
# (Docker would make a missing file a directory): generated on the first run, kept afterwards.
mkdir -p trust
chmod 700 trust
docker compose --env-file "$env_file" build
docker compose --env-file "$env_file" run --rm trust-init >/dev/null
docker compose --env-file "$env_file" up -d
# The console's first administrator: its password is printed here once (later runs say one exists).
docker compose --env-file "$env_file" run --rm --no-deps console console create-admin admin --if-no-admin

host="$(env_value PUBLIC_HOST 127.0.0.1)"
rtsp_port="$(env_value RTSP_PORT 8554)"
range="$(env_value ONVIF_PORT_RANGE 8090-8110)"

cat <<EOF

desk-onvif is starting (docker compose ps shows its health).

Cameras will appear:
  - to NVRs by WS-Discovery on UDP 3702 (same network segment), or added by hand at
      http://${host}:<port>/onvif/device_service    with <port> in ${range}, one per camera
  - streams at
      rtsp://${host}:${rtsp_port}/desk/<camera id>/main   and   .../sub
    (RTSPS on port $(env_value RTSPS_PORT 8322): agents publish with -MediaUrl rtsps://${host}:$(env_value RTSPS_PORT 8322))
  - each camera's address, RTSP URL and credentials: run 'desk-onvif-agent status' on its PC.

Capture agents enrol with a token (one PC, one use, a day by default), given like a password:
  docker compose run --rm cli enrolment issue --host-id <the PC's MachineGuid or machine-id>
  (more: docker compose run --rm cli --help). The site's keys are in ./trust: keep it private
  and back it up; the admin credential is ./trust/nats/creds/admin.creds.
Open on this server's firewall: UDP 3702, TCP ${range}, TCP ${rtsp_port}, TCP $(env_value RTSPS_PORT 8322),
  UDP 8000-8001, TCP 4222,
  and TCP $(env_value CONSOLE_PORT 8443) for the console, TCP $(env_value WEBRTC_PORT 8889) and UDP 8189 for its
  live view by WebRTC (administrators' machines only).
The console: https://${host}:$(env_value CONSOLE_PORT 8443) (the site CA is ./trust/pki/ca.crt: install
  it in the browsers that use the console; the administrator's password is above, on the first run).
Prometheus: http://127.0.0.1:9090 (on this server).
EOF
