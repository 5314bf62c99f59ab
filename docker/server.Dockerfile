# Outpost server (serves the console and GraphiQL). Build from the repository root:
#   docker build -f docker/server.Dockerfile -t outpost/server .
# (scripts/build-images.mjs builds it without a Docker daemon, with podman.)
# Stage 1 builds the whole workspace; stage 2 keeps only the server's production dependencies.
#
# BASE_IMAGE: the upstream Node image. Where Docker Hub cannot be reached, scripts/build-images.mjs
# passes a local stand-in (localhost/outpost-standin-base, docker/standin-base.Containerfile).
ARG BASE_IMAGE=node:24-bookworm-slim
FROM ${BASE_IMAGE} AS build
# The machine's npm registry, when it is not the public one, and the CA bundle that signs its TLS (the
# secret `npm-ca`, mounted for one step and never stored in a layer). Unset: npm's defaults.
ARG NPM_CONFIG_REGISTRY
ENV PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
WORKDIR /src
# Dependencies from the lockfile alone (`pnpm fetch`): this layer is reused until the lockfile changes,
# so a change to the sources rebuilds without downloading anything.
COPY pnpm-lock.yaml pnpm-workspace.yaml .npmrc ./
RUN --mount=type=secret,id=npm-ca \
    if [ -f /run/secrets/npm-ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/npm-ca; fi \
 && npm install -g pnpm@12.21.0 \
 && pnpm fetch
COPY . .
# --offline: every package is in the store already (pnpm fetch above). The same step as in
# docker/agent.Dockerfile: building both images builds the workspace once.
RUN pnpm install --offline --frozen-lockfile && pnpm run build
RUN pnpm --filter @outpost/server deploy --prod --offline /out/server && cp -r apps/console/dist /out/console

FROM ${BASE_IMAGE}
ENV NODE_ENV=production OUTPOST_HOST=0.0.0.0 OUTPOST_PORT=4000 OUTPOST_CONSOLE_DIR=/app/console
WORKDIR /app
COPY --from=build --chown=node:node /out/server /app/server
COPY --from=build --chown=node:node /out/console /app/console
USER node
EXPOSE 4000
# On the port the server listens on (OUTPOST_PORT may be changed at run time).
HEALTHCHECK --interval=10s --timeout=3s CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.OUTPOST_PORT || 4000) + '/healthz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "/app/server/dist/main.js"]
