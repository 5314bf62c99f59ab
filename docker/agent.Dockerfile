# Outpost provider agent, deployed by charts/outpost-provider. Build from the repository root:
#   docker build -f docker/agent.Dockerfile -t outpost/agent .
FROM node:24-bookworm-slim AS build
WORKDIR /src
ENV PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 COREPACK_INTEGRITY_KEYS=0
RUN npm install -g pnpm@12.21.0
COPY . .
RUN pnpm install --frozen-lockfile \
 && pnpm --filter @outpost/agent run build \
 && pnpm --filter @outpost/agent deploy --prod /out/agent

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=node:node /out/agent /app/agent
USER node
CMD ["node", "/app/agent/dist/main.js"]
