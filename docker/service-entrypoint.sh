#!/bin/sh
# Starts the desk-onvif service named by the first argument: port-registry, onvif, discovery…
set -eu
name="${1:-}"
if [ -z "$name" ] || [ "$name" = "--help" ] || [ ! -f "/app/services/$name/dist/main.js" ]; then
  if [ -n "$name" ] && [ "$name" != "--help" ]; then echo "unknown service: $name" >&2; fi
  printf 'usage: <service>, one of:' >&2
  for dir in /app/services/*/; do printf ' %s' "$(basename "$dir")" >&2; done
  echo >&2
  exit 64
fi
shift
exec node "/app/services/$name/dist/main.js" "$@"
