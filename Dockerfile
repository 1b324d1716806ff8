# The memory manager's Temporal worker (src/worker/main.ts), following Temporal's guidance for worker images:
# a glibc base (the SDK's native core-bridge ships prebuilt for glibc, never Alpine/musl), CA certificates for
# TLS to Temporal Cloud and AWS, a non-root user, an exec-form CMD so SIGTERM reaches node itself, and a stop
# timeout (ECS stopTimeout 120 s) longer than the worker's shutdown grace (WORKER_SHUTDOWN_GRACE_MS, 100 s).
#
#   docker build -t memory-worker .
#   docker run --rm -p 8080:8080 -p 9464:9464 -e TEMPORAL_ADDRESS=… -e TEMPORAL_NAMESPACE=… -e TEMPORAL_API_KEY=… \
#     -e MEMORY_TABLE_NAME=… -e ANTHROPIC_API_KEY=… -e WORKER_MEMORY_LIMIT_MB=1024 --memory=1g memory-worker
#
# Both stages start from the same base, pinned by its multi-arch index digest so every build gets the same
# bytes (the tag alone moves with each Node 22 and Debian release). That digest is node:22.23.3-bookworm-slim,
# the image node:22-bookworm-slim named in September 2026. To bump it (security fixes, a new Node 22), read the
# tag's current index digest — `docker buildx imagetools inspect node:22-bookworm-slim` (the "Digest:" line)
# or `crane digest node:22-bookworm-slim` — put it in both FROM lines, rebuild, and run the worker tests
# (docs/deploy.md "Worker container").

# ---- build: compile TypeScript and pre-bundle the workflows (workers then start without webpack)
FROM node:22-bookworm-slim@sha256:43ac6c60b8f89723f746e8a92ce91abd5017e627ce1ddfe4238355d3a30b772c AS build
WORKDIR /app
# Our prepare script installs local dev tools (Temporal CLI, Node 22, …) and aws-lambda-ric, a dev dependency,
# compiles a native addon: neither belongs in an image, so install scripts are off (and told to skip).
ENV SKIP_TEMPORAL_TOOLS=1
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
# tsc -p tsconfig.build.json → dist/ (rootDir src: dist/worker/main.js); the bundle → dist/workflow-bundle.js
RUN npm run build && npm run build:workflow-bundle && test -f dist/worker/main.js && test -f dist/workflow-bundle.js

# ---- runtime: production dependencies and the built output only
FROM node:22-bookworm-slim@sha256:43ac6c60b8f89723f746e8a92ce91abd5017e627ce1ddfe4238355d3a30b772c AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production \
    SKIP_TEMPORAL_TOOLS=1
COPY package.json package-lock.json ./
# No install scripts: no production dependency needs one to run. @temporalio/core-bridge carries its native
# binary prebuilt for every platform inside the package: keep this platform's (~110 MB of others dropped), and
# require it, which fails the build if this platform has none.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force \
 && keep="$(node -p "require('@temporalio/core-bridge/common').getPrebuiltTargetName()")" \
 && find node_modules/@temporalio/core-bridge/releases -mindepth 1 -maxdepth 1 ! -name "$keep" -exec rm -rf {} + \
 && node -e "require('@temporalio/core-bridge')"
COPY --from=build /app/dist ./dist
ENV WORKFLOW_BUNDLE_PATH=/app/dist/workflow-bundle.js \
    HEALTH_PORT=8080 \
    METRICS_PORT=9464
USER node
EXPOSE 8080 9464
STOPSIGNAL SIGTERM
# ECS uses the task definition's health check, not this one; both can run the same command (no curl in -slim).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 CMD ["node", "dist/worker/health-check.js"]
CMD ["node", "dist/worker/main.js"]
