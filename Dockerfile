# onfh-cds container image (issue 6). Build from the repository root:
#   docker build -t onfh-cds:0.1.0 .
# Run (read-only root filesystem; /tmp is the only writable place, and nothing writes there today):
#   docker run --rm --init --read-only --tmpfs /tmp -p 3000:3000 \
#     -e AUTH_MODE=jwt -e CDS_CLIENTS_FILE=/config/clients.json -v "$PWD/config:/config:ro" onfh-cds:0.1.0
# Site rules: mount a folder and point RULES_DIR at it (-v /srv/onfh-rules:/site-rules:ro -e RULES_DIR=/site-rules).
# See docs/deployment.md. No `# syntax=` line: the builder's own Dockerfile frontend suffices, so an
# offline build host needs only the base image (and the npm registry, or a mirror of it).

# Node 20.20.2 on Debian 12 (bookworm) slim, pinned by tag AND by the digest of the
# multi-arch index, so a re-pushed tag cannot change the build. Bump both together, deliberately.
# A site with its own registry mirror: --build-arg NODE_IMAGE=mirror.example/node:20.20.2-bookworm-slim@sha256:...
ARG NODE_IMAGE=node:20.20.2-bookworm-slim@sha256:2cf067cfed83d5ea958367df9f966191a942351a2df77d6f0193e162b5febfc0

# ── build: all dependencies, TypeScript → dist/ ─────────────────────────────────────────────
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# Lockfile first: the dependency layer is reused until package*.json change.
COPY package.json package-lock.json ./
# --ignore-scripts: no dependency needs an install script to build (only esbuild has one, and tsc does not use it).
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# The governance console (console/ → dist/console; it bundles examples/ for "try a patient").
COPY console ./console
COPY examples ./examples
RUN npm run build

# ── runtime: production dependencies, compiled code, rules; nothing else ─────────────────────
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    RULES_DIR=/app/rules \
    NPM_CONFIG_UPDATE_NOTIFIER=false
WORKDIR /app
COPY package.json package-lock.json ./
# The npm cache goes to a throwaway folder in the same layer, so the image carries none.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund --cache /tmp/npm-cache \
 && rm -rf /tmp/npm-cache
# Owned by root and not writable by the service user: the running service cannot change its own code or rules.
COPY --from=build /app/dist ./dist
COPY rules ./rules

# 1000:1000 is the "node" user of the base image; numeric, so Kubernetes runAsNonRoot can verify it.
USER 1000:1000
EXPOSE 3000

# No curl in slim images: Node's own fetch asks /healthz (liveness: the process answers).
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# node itself, not `npm start`: npm start has a prestart build (needs dev dependencies and a writable
# dist/) and npm would sit between the process and SIGTERM. The service drains on SIGTERM
# (SHUTDOWN_TIMEOUT_MS); give it that long: docker stop -t, terminationGracePeriodSeconds.
CMD ["node", "--enable-source-maps", "dist/server.js"]
