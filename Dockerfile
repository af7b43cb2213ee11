# clusterops container image: `clusterops serve` as a non-root user, state in the /data volume.
# What it contains and how to run it: docs/operations.md ("The container image"); a test
# (test/unit/dockerfile.test.ts) checks this file against that section.
#
#   docker build -t clusterops .
#   docker run --rm -p 3000:3000 -e CLUSTEROPS_WEBHOOK_SECRET="$(openssl rand -hex 20)" clusterops serve --demo
#                                        # the demo, on the simulated cloud (0.0.0.0 needs a webhook secret)

# ---- build: all dependencies, compile TypeScript, bundle the dashboard, then drop dev dependencies
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# ssh2's optional native parts (its crypto binding, cpu-features) need a compiler this image lacks:
# their builds fail harmlessly and ssh2 uses its pure-JavaScript code, so no compiler is needed.
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY schemas ./schemas
COPY src ./src
COPY web ./web
# tsc into dist/ (dist/src, dist/schemas), Vite bundles web/ into dist/web.
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# ---- runtime: production dependencies only, git and the OpenSSH client for the repository
FROM node:20-bookworm-slim AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends git openssh-client ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production \
    CLUSTEROPS_DATA_DIR=/data \
    HOST=0.0.0.0 \
    PORT=3000
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY schemas ./schemas
COPY example-repo ./example-repo
# The data directory belongs to the runtime user (the official image's `node`, uid 1000), so a
# fresh named volume mounted there is writable.
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 3000
STOPSIGNAL SIGTERM
# No curl in the slim image: Node 20's fetch asks the liveness endpoint.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "dist/src/cli.js"]
CMD ["serve"]
