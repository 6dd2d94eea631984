# The one Sluice image: entrypoint is the `sluice` CLI (sidecar | operator | validate | …).
#   docker build -t registry.example.com/sluice:0.1.0 .
# Without Docker, `make image` builds the same image from Debian tools (umoci, skopeo,
# debootstrap: test/harness/image/build-image.sh, docs/adr/0021-image-without-docker.md). Both
# ship the same parts: Debian bookworm (minimal) with openssl, the official Node 24 binary, the
# production dependencies from the lock file, only the files the CLI loads
# (test/harness/image/app-files.ts), and the bundled entrypoint cli/sluice.mjs (bundle.ts). Non-root (10001), and read-only at run time (the chart sets
# readOnlyRootFilesystem; /var/lib/sluice and /tmp are volumes).

# --- node: the official Node 24 build (the binary the `node` npm devDependency carries).
FROM node:24.21.0-bookworm-slim AS node

# --- deps: production node_modules only, from the lock file.
FROM node AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && rm -f node_modules/.package-lock.json \
  && npm cache clean --force

# --- files: the CLI's module graph and the data it reads (app-files.ts), nothing else.
FROM node AS files
WORKDIR /src
COPY . .
RUN node test/harness/image/app-files.ts | xargs -I{} install -D -m 0644 {} /out/app/{}

# --- bundle: the entrypoint cli/sluice.mjs and its chunks, the sidecar in one module
# (test/harness/image/bundle.ts, docs/adr/0037-bundled-entrypoint.md); needs the dev dependency esbuild.
FROM node AS bundle
WORKDIR /src
COPY . .
RUN npm ci --ignore-scripts --no-audit --no-fund && node test/harness/image/bundle.ts --out /out \
  && mkdir -p /out/app/cli && cp /out/cli/*.mjs /out/cli/*.mjs.map /out/app/cli/

# --- runtime
FROM debian:bookworm-slim
# openssl: the operator issues its webhook certificates with it.
RUN apt-get update && apt-get install -y --no-install-recommends openssl && rm -rf /var/lib/apt/lists/* \
  && echo 'sluice:x:10001:' >>/etc/group \
  && echo 'sluice:x:10001:10001:sluice:/var/lib/sluice:/usr/sbin/nologin' >>/etc/passwd \
  && install -d -o 10001 -g 10001 /var/lib/sluice
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=deps /app/node_modules /app/node_modules
COPY --from=files /out/app /app
COPY --from=bundle /out/app /app
ENV NODE_ENV=production
WORKDIR /app
USER 10001:10001
EXPOSE 8080 8081 8082 9090 9091 9443
ENTRYPOINT ["node", "/app/cli/sluice.mjs"]
CMD ["--help"]
