# The Breakwater worker. Build: docker build -t breakwater-worker .
# Stage 1 compiles the package (tsc to dist/) and keeps only the runtime dependencies.
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# Stage 2 runs the compiled worker as an unprivileged user, with nothing of the toolchain.
FROM node:22-bookworm-slim
ENV NODE_ENV=production \
    HTTP_PORT=9464
WORKDIR /app
COPY --from=build --chown=root:root /app/package.json ./
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
# The image's `node` user (uid 1000) owns nothing here: the code is read-only to the process.
USER node
EXPOSE 9464
# /health is 503 only when the worker cannot do its job (not polling, or Redis down while the
# guard fails closed); the slim image has no curl, so Node asks. `npm run build` bundled the
# workflow code already (dist/workflows/registered.bundle.js): the start period covers connecting.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.HTTP_PORT || '9464') + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/src/worker/main.js"]
