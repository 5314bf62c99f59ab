# Outpost provider agent, deployed by charts/outpost-provider. Build from the repository root:
#   docker build -f docker/agent.Dockerfile -t outpost/agent .
# (scripts/build-images.mjs builds it without a Docker daemon, with podman.)
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
# The same steps as docker/server.Dockerfile up to the deploy, so one build's layers serve the other's.
COPY pnpm-lock.yaml pnpm-workspace.yaml .npmrc ./
RUN --mount=type=secret,id=npm-ca \
    if [ -f /run/secrets/npm-ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/npm-ca; fi \
 && npm install -g pnpm@12.21.0 \
 && pnpm fetch
COPY . .
# --offline: every package is in the store already (pnpm fetch above). The whole workspace, not only the
# agent: the same step as in docker/server.Dockerfile, so building both images builds it once.
RUN pnpm install --offline --frozen-lockfile && pnpm run build
RUN pnpm --filter @outpost/agent deploy --prod --offline /out/agent

FROM ${BASE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=node:node /out/agent /app/agent
USER node
CMD ["node", "/app/agent/dist/main.js"]
