# The one Sluice image: entrypoint is the `sluice` CLI (sidecar | operator | validate | …).
# Build: docker build -t sluice:dev .   (not built on the dev machines: they have no Docker engine)

# --- deps: production node_modules only, on the same Node as the runtime.
FROM node:24.21.0-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# The `node` devDependency pins Node 24 for development; the image already is Node 24.
RUN npm install --omit=dev --no-audit --no-fund --ignore-scripts && npm cache clean --force

# --- runtime: sources run directly by Node 24 type stripping; no build step, no dev tools.
FROM node:24.21.0-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY policy ./policy
COPY sidecar ./sidecar
COPY operator ./operator
COPY cli ./cli
COPY crds ./crds
COPY examples ./examples
# openssl: the operator generates its webhook certificates with it.
RUN apt-get update && apt-get install -y --no-install-recommends openssl && rm -rf /var/lib/apt/lists/* \
  && groupadd --gid 10001 sluice && useradd --uid 10001 --gid sluice --no-create-home --shell /usr/sbin/nologin sluice \
  && mkdir -p /var/lib/sluice && chown sluice:sluice /var/lib/sluice
USER 10001:10001
EXPOSE 8080 8081 8082 9090 9443
ENTRYPOINT ["node", "/app/cli/sluice.ts"]
CMD ["--help"]
