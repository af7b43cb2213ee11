# Minimal image; the production-readiness issue hardens it (health checks, config, volumes).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY schemas ./schemas
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/package.json ./
COPY schemas ./schemas
COPY example-repo ./example-repo
USER node
ENTRYPOINT ["node", "dist/src/cli.js"]
CMD ["validate", "example-repo"]
