# Build: compiles TypeScript and the better-sqlite3 native addon.
FROM node:22-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
COPY packages/sdk/package.json ./packages/sdk/
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# The server shares the SDK's id generator by source (src/common/ids.ts).
COPY packages/sdk/src ./packages/sdk/src
COPY migrations ./migrations
COPY bench ./bench
COPY scripts ./scripts
COPY web ./web
RUN npm run build && npm prune --omit=dev

# Run: the same image serves DEBUG_ROLE=api, worker or all.
FROM node:22-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production DEBUG_LOG_FORMAT=json
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The archive directory exists and belongs to node before a volume is mounted on it (a new named
# volume takes the image's ownership), so the cold tier can write there.
RUN mkdir -p /app/data/archive && chown -R node:node /app/data
USER node
# the API and console; OTLP/HTTP; OTLP/gRPC
EXPOSE 3000 4318 4317
# A larger young generation: the accept path allocates per event, and scavenges then run less often
# (measured: about 7% less CPU per event in a burst; docs/ingestion.md).
CMD ["node", "--max-semi-space-size=64", "dist/src/main.js"]
