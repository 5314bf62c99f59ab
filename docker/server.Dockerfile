# Outpost server (serves the console and GraphiQL). Build from the repository root:
#   docker build -f docker/server.Dockerfile -t outpost/server .
# Stage 1 builds the whole workspace; stage 2 keeps only the server's production dependencies.
FROM node:24-bookworm-slim AS build
WORKDIR /src
ENV PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 COREPACK_INTEGRITY_KEYS=0
RUN npm install -g pnpm@12.21.0
COPY . .
RUN pnpm install --frozen-lockfile \
 && pnpm run build \
 && pnpm --filter @outpost/server deploy --prod /out/server \
 && cp -r apps/console/dist /out/console

FROM node:24-bookworm-slim
ENV NODE_ENV=production OUTPOST_HOST=0.0.0.0 OUTPOST_PORT=4000 OUTPOST_CONSOLE_DIR=/app/console
WORKDIR /app
COPY --from=build --chown=node:node /out/server /app/server
COPY --from=build --chown=node:node /out/console /app/console
USER node
EXPOSE 4000
HEALTHCHECK --interval=10s --timeout=3s CMD ["node", "-e", "fetch('http://127.0.0.1:4000/healthz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "/app/server/dist/main.js"]
