#!/usr/bin/env bash
# Installs the Debian packages the tests need, only when the tool is missing (make test calls it).
set -euo pipefail
need=()
command -v nats-server >/dev/null || need+=(nats-server)
command -v ffmpeg >/dev/null || need+=(ffmpeg)
command -v ffprobe >/dev/null || need+=(ffmpeg)
command -v Xvfb >/dev/null || need+=(xvfb)
command -v xdpyinfo >/dev/null || need+=(x11-utils)
command -v xwininfo >/dev/null || need+=(x11-utils)
command -v xsetroot >/dev/null || need+=(x11-xserver-utils)
command -v xrandr >/dev/null || need+=(x11-xserver-utils)
command -v ip >/dev/null || need+=(iproute2)
# PulseAudio: the audio tests' sound server (a null sink per run) and pactl/paplay to drive it.
command -v pulseaudio >/dev/null || need+=(pulseaudio)
command -v pactl >/dev/null || need+=(pulseaudio-utils)
command -v paplay >/dev/null || need+=(pulseaudio-utils)
command -v java >/dev/null || need+=(default-jdk-headless)
# The console's browser tests drive Debian's Chromium (puppeteer-core, no browser download).
command -v chromium >/dev/null || need+=(chromium)
# The agent's OSD (ffmpeg drawtext) draws with DejaVu Sans.
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
"$(dirname "$0")/install-debian-packages.sh" "${need[@]}"
