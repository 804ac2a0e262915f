# syntax=docker/dockerfile:1
# One image for every desk-onvif Node service; the command picks the service:
#   docker run desk-onvif port-registry | onvif | discovery
# Multi-stage: the build stage compiles with the dev tools, the runtime stage holds only the
# compiled services and their production dependencies. Test tools (test/, the RTSP relay double)
# never enter the build context (.dockerignore) nor the image.
ARG NODE_IMAGE=node:20.19.0-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY . .
# --ignore-scripts: no install script is needed to compile, and ffmpeg-static's would download a
# binary the server image has no use for (the capture agent runs on the PCs, not here).
# `npm ci`: exactly the locked tree (the lock lists every platform's optional packages).
RUN npm ci --ignore-scripts --no-audit --no-fund
# Only the shipped projects: the root tsconfig also references test tools that are not here.
RUN npx tsc -b $(ls -d libs/*/ services/*/)
# What the runtime stage needs: every workspace manifest (npm checks them against the lock),
# the compiled output of libs and services, the entrypoint.
RUN set -eu; mkdir -p /out; \
    cp package.json package-lock.json /out/; \
    for m in $(find libs services test -maxdepth 2 -name package.json); do \
      mkdir -p "/out/$(dirname "$m")"; cp "$m" "/out/$m"; \
    done; \
    for d in libs/*/ services/*/; do cp -r "${d}dist" "/out/${d}dist"; done; \
    cp docker/service-entrypoint.sh /out/

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /out/ ./
# Production dependencies of the services only (the libs come along as their workspace deps).
RUN set -eu; ws=""; for d in services/*/; do ws="$ws --workspace=${d%/}"; done; \
    npm ci --omit=dev --ignore-scripts --no-audit --no-fund $ws && npm cache clean --force
USER node
ENTRYPOINT ["/app/service-entrypoint.sh"]
CMD ["--help"]
