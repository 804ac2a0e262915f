# desk-onvif. `make test` on a fresh machine installs what is missing, then lints, type-checks,
# builds and runs every test. `make dev` runs the system natively; `make up` with Docker Compose.
SHELL := /bin/bash
export FFMPEG_BIN ?= $(shell command -v ffmpeg 2>/dev/null || echo /usr/bin/ffmpeg)
JEST := NODE_OPTIONS=--experimental-vm-modules npx jest

.PHONY: test dev up deps system-deps bench-deps node-deps build typecheck lint unit medium bench-registry bench-discovery bench-agent bench-soap profile-soap profile-agent bench-latency bench-audio bench-frames bench-events bench-console bench-console-webrtc bench-security clean

test: deps build lint typecheck unit medium

# The whole system as native processes (scripts/dev, settings DEV_*: see README.md); Ctrl-C stops it.
dev: deps build
	@node scripts/dev/dist/dev.js

deps: system-deps windows-deps node-deps

system-deps:
	@scripts/ensure-system-deps.sh

# What only the benchmarks need (wrk for bench-soap): not part of make test.
bench-deps:
	@scripts/ensure-bench-deps.sh

# The Windows agent's targets (packaging/windows, test/windows).
.PHONY: windows-deps agent-bundle agent-dist test-windows

# Wine and the Windows binaries (node.exe, ffmpeg.exe) for the Wine tier and make agent-dist.
windows-deps:
	@scripts/ensure-windows-deps.sh

# ffmpeg-static's own install downloads a binary; FFMPEG_BIN points it at the system ffmpeg instead.
# `npm ci`: exactly the locked tree (the lock lists every platform's optional packages), reproducible.
node-deps: node_modules/.package-lock.json

node_modules/.package-lock.json: package-lock.json package.json $(wildcard libs/*/package.json services/*/package.json test/*/package.json)
	npm ci --no-audit --no-fund
	@touch $@

# The TypeScript projects, then the console's browser app (esbuild: services/console/dist/web).
build:
	npx tsc -b
	node services/console/build.web.mjs

typecheck:
	npx tsc -p tsconfig.check.json
	npx tsc -p services/console/web/tsconfig.json

lint:
	npx eslint .
	npx prettier --check .
	@if command -v shellcheck >/dev/null; then shellcheck scripts/*.sh docker/*.sh; \
	else echo "shellcheck is not installed: shell scripts not linted"; fi

# Small tests: pure code, no processes.
unit:
	$(JEST) --selectProjects unit

# Medium tests: real nats-server, real services as processes, real ffmpeg and Xvfb; the agent
# under Wine (test/windows).
medium: build agent-dist
	$(JEST) --selectProjects medium

# The capture agent as one CommonJS file (esbuild): what the Windows .exe runs.
agent-bundle: build
	node packaging/windows/bundle.mjs dist/windows/desk-onvif-agent.cjs

# The one-file Windows agent: desk-onvif-agent.exe (Node single-executable application) and the zip
# a PC needs (the .exe, install.ps1, an example agent.json, ffmpeg.exe): packaging/windows.
agent-dist: windows-deps agent-bundle
	@packaging/windows/agent-dist.sh

# The agent on Windows code paths under Wine, end to end (test/windows/README.md): node.exe with
# the bundle, and the .exe.
test-windows: deps agent-dist
	$(JEST) --selectProjects medium --testPathPatterns test/windows

# Benchmarks write bench/results/<name>.json (medians of repeated runs).
BENCH := $(JEST) --selectProjects bench --runInBand --verbose=false

bench-registry: deps build
	$(BENCH) bench/registry.bench.ts

# The SHA-256 make dev checks its MediaMTX download against (scripts/dev/mediamtx.pin.json), from the
# release's checksums.sha256 and confirmed by hashing the archive; needs the release site reachable.
.PHONY: pin-mediamtx
pin-mediamtx: node-deps
	npx tsc -b scripts/dev
	node scripts/dev/dist/mediamtx.checksum.js

# docker-compose.yml for real, where a Docker engine answers (skipped, saying what is missing,
# where none does): make up in a project of its own, then an NVR's view of it (test/compose).
.PHONY: test-compose
test-compose: node-deps build
	$(JEST) --selectProjects compose

# Docker Compose on a lab server: writes .env with random secrets when it is missing, starts the
# stack, prints where the cameras will appear.
up:
	@scripts/up.sh

# 1,000 cameras in a real registry, the discovery service in a network namespace (needs root).
bench-discovery: deps build
	$(BENCH) bench/discovery.bench.ts

# The capture agent on an Xvfb desktop (1920x1080, 30 fps) for 30 s → bench/results/agent.json.
bench-agent: deps build
	$(BENCH) bench/agent.bench.ts

# GetStreamUri with a fresh UsernameToken per request (1 and 500 cameras), RSS and start-up with
# 1,000 cameras: bench/results/soap.json.
bench-soap: deps bench-deps build
	$(BENCH) bench/soap.bench.ts

# By hand: a CPU profile of the onvif service under GetStreamUri (or PROFILE_WORKLOAD=flood), top
# frames printed; PROFILE_OFF=1 for the CPU figure alone (bench/soap.profile.bench.ts).
profile-soap: deps build
	$(BENCH) bench/soap.profile.bench.ts

# By hand: the capture agent's own CPU streaming 1920x1080 at 30 fps with audio (bench-audio's
# system), in 5 s windows, and a CPU profile of it (top frames printed); PROFILE_OFF=1 for the
# figure alone, PROFILE_RTSPS=1 over RTSPS, PROFILE_AUDIO=0 without audio (bench/agent.profile.bench.ts).
profile-agent: deps build
	$(BENCH) bench/agent.profile.bench.ts

# Glass-to-glass latency of the whole system at 30 fps on loopback (Xvfb colour changes → RTSP
# reader): bench/results/latency.json.
bench-latency: deps build
	$(BENCH) bench/latency.bench.ts

# The whole system at 1920x1080, 30 fps with a PulseAudio tone: the tone decoded, the A/V offset,
# the agent's CPU and what audio adds to ffmpeg's: bench/results/audio.json.
bench-audio: deps build
	$(BENCH) bench/audio.bench.ts

# Repeated (invented) frames on the main stream at 1920x1080 30 fps: bench/results/frames.json.
bench-frames: deps build
	$(BENCH) bench/frames.bench.ts

# Issue 9: every bench/security*.bench.ts, each setting its keys of bench/results/security.json:
# NATS attacks from an agent's credential, secrets on the wire, 1,000 enrolments through 2 registry
# replicas, revocation (security.bench.ts); SOAP over HTTPS vs HTTP, guesses per minute after a
# lockout (security.edge.bench.ts).
bench-security: deps build
	$(BENCH) bench/security

# 1,000 cameras with a held pull point each (events over NATS), the real agent on Xvfb for the
# motion-to-client latency, the detector's CPU: bench/results/events.json.
bench-events: deps build
	$(BENCH) bench/events.bench.ts

# The console with 1,000 cameras (agents simulated over NATS), measured in Chromium:
# bench/results/console.json.
bench-console: deps build
	$(BENCH) bench/console.bench.ts

# The console's live view by WebRTC (WHEP double, real hook and console), measured in Chromium: its
# own keys in bench/results/console.json (liveViewWebrtcFirstFrameMs).
bench-console-webrtc: deps build
	$(BENCH) bench/console-webrtc.bench.ts

clean:
	rm -rf dist/windows libs/*/dist services/*/dist test/*/dist scripts/dev/dist node_modules/.cache
