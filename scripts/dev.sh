#!/usr/bin/env bash
# make dev: the system as native processes on this machine (no Docker). Ctrl-C stops everything.
# State (JetStream store, generated secrets) lives in .dev/ so cameras keep their ids and ports.
set -euo pipefail
cd "$(dirname "$0")/.."
state=.dev
mkdir -p "$state"
NATS_PORT=${DEV_NATS_PORT:-4222}
REGISTRY_HTTP=${DEV_REGISTRY_HTTP_PORT:-9101}

pids=()
cleanup() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "dev: stopped"
}
trap cleanup INT TERM EXIT

start() { # name, command...
  local name=$1; shift
  "$@" > >(sed -u "s/^/[$name] /") 2>&1 &
  pids+=("$!")
}

wait_http() { # url
  for _ in $(seq 1 100); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.2; done
  echo "dev: $1 did not answer" >&2; return 1
}

start nats nats-server -a 127.0.0.1 -p "$NATS_PORT" -js -sd "$state/jetstream"
for _ in $(seq 1 50); do (exec 3<>"/dev/tcp/127.0.0.1/$NATS_PORT") 2>/dev/null && break; sleep 0.1; done

start registry env REGISTRY_NATS_URL="nats://127.0.0.1:$NATS_PORT" REGISTRY_HTTP_PORT="$REGISTRY_HTTP" \
  node services/port-registry/dist/main.js
wait_http "http://127.0.0.1:$REGISTRY_HTTP/healthz"

cat <<MSG
dev: running
  NATS             nats://127.0.0.1:$NATS_PORT (JetStream store in $state/jetstream)
  port-registry    http://127.0.0.1:$REGISTRY_HTTP/metrics  /healthz
Ctrl-C stops everything.
MSG
wait
