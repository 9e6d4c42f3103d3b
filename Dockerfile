# labgate's container image, for running labgate on Kubernetes (docs/deploy-kubernetes.md):
#   docker build -t registry.example.org/labgate:0.1.0 .
# Sessions run as pods through the Kubernetes backend, so the image carries no bubblewrap, socat or
# e2fsprogs (the local backend's needs). It is not built in CI: no container engine runs there.
ARG NODE_IMAGE=node:20-bookworm-slim

# Compilers for the native modules (better-sqlite3, node-pty) and labgate's native helpers.
FROM ${NODE_IMAGE} AS toolchain
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app

# Production dependencies only. --ignore-scripts keeps the root package's prepare script (a TypeScript
# build, whose compiler is a dev dependency) from running; the native modules are then built on their own.
FROM toolchain AS deps
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
  && npm rebuild better-sqlite3 node-pty \
  && npm cache clean --force

# The build: every dependency (the TypeScript compiler is a dev one), then dist/: tsc and the native
# helpers. Install scripts are not needed for that, so they are skipped here too.
FROM toolchain AS build
COPY . .
RUN npm ci --ignore-scripts --no-audit --no-fund && npm run build

FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY web-static ./web-static
# /var/lib/labgate: the data volume's mount point; the node user (uid 1000) owns it when no volume does.
RUN chmod 0755 /app/bin/labgate.js \
  && ln -s /app/bin/labgate.js /usr/local/bin/labgate \
  && mkdir -p /var/lib/labgate \
  && chown 1000:1000 /var/lib/labgate
# The node image's unprivileged user, by number so Kubernetes can check runAsNonRoot.
USER 1000:1000
EXPOSE 8080
ENTRYPOINT ["labgate"]
CMD ["--help"]
