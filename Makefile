# desk-onvif. `make test` on a fresh machine installs what is missing, then lints, type-checks,
# builds and runs every test. `make dev` runs the system natively; `make up` with Docker Compose.
SHELL := /bin/bash
export FFMPEG_BIN ?= $(shell command -v ffmpeg 2>/dev/null || echo /usr/bin/ffmpeg)
JEST := NODE_OPTIONS=--experimental-vm-modules npx jest

.PHONY: test deps system-deps node-deps build typecheck lint unit medium bench-registry bench-soap clean

test: deps lint build typecheck unit medium

deps: system-deps node-deps

system-deps:
	@scripts/ensure-system-deps.sh

# ffmpeg-static's own install downloads a binary; FFMPEG_BIN points it at the system ffmpeg instead.
node-deps: node_modules/.package-lock.json

node_modules/.package-lock.json: package-lock.json package.json
	npm ci --no-audit --no-fund
	@touch $@

build:
	npx tsc -b

typecheck:
	npx tsc -p tsconfig.check.json

lint:
	npx eslint .
	npx prettier --check .

# Small tests: pure code, no processes.
unit:
	$(JEST) --selectProjects unit

# Medium tests: real nats-server, real services as processes, real ffmpeg and Xvfb.
medium: build
	$(JEST) --selectProjects medium

bench-registry: deps build
	node --experimental-vm-modules --import ./bench/register-ts.js bench/registry.bench.ts

# GetStreamUri with a fresh UsernameToken per request (1 and 500 cameras), RSS and start-up with
# 1,000 cameras: bench/results/soap.json.
bench-soap: deps build
	node --import ./bench/register-ts.js bench/soap.bench.ts

clean:
	rm -rf libs/*/dist services/*/dist node_modules/.cache
