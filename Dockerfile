# syntax=docker/dockerfile:1
# One image recipe for the three apps; the app is a build argument. Build from the repository root:
#   docker build --build-arg APP=gateway   --build-arg APP_PORT=8000 -t oos-gateway:local .
#   docker build --build-arg APP=inventory --build-arg APP_PORT=9001 -t oos-inventory:local .
#   docker build --build-arg APP=payments  --build-arg APP_PORT=9002 -t oos-payments:local .
# (docker compose passes both arguments for each service.) The image runs `node dist/main.js` (the service) by
# default and `node dist/migrate.js deploy` as its migration one-shot (compose's *-migrate services, Kubernetes'
# init containers).
#
# Node 24 is the active LTS, the same minor as CI's Node 24 run (tooling/scripts/node24.mjs); Node 20 reached its
# end of life on 2026-04-30. Running from source still works on Node >= 20.19 (package.json `engines`), and the
# bundles target it (tooling/scripts/build-app.mjs).
ARG NODE_IMAGE=node:24.22-bookworm-slim

FROM ${NODE_IMAGE} AS pnpm
ENV TURBO_TELEMETRY_DISABLED=1 CHECKPOINT_DISABLE=1
RUN npm install --global pnpm@12.4.2 && npm cache clean --force
WORKDIR /repo

# The workspace reduced to the app and what it depends on; out/json holds only the manifests and the lockfile,
# so the dependency layers below are rebuilt only when those change.
FROM pnpm AS prune
ARG APP
RUN case "${APP}" in gateway|inventory|payments) ;; \
      *) echo "build with --build-arg APP=gateway|inventory|payments (got '${APP}')" >&2; exit 1 ;; esac
RUN npm install --global turbo@2.11.11 && npm cache clean --force
COPY . .
RUN turbo prune "@oos/${APP}" --docker

FROM pnpm AS build
ARG APP
COPY --from=prune /repo/out/json/ ./
# Scripts run later, once the sources are there (the root postinstall generates the Prisma clients from them).
RUN --mount=type=cache,id=oos-pnpm-store,target=/pnpm-store \
    pnpm install --frozen-lockfile --ignore-scripts --store-dir /pnpm-store
COPY --from=prune /repo/out/full/ ./
COPY tooling/scripts/ ./tooling/scripts/
# build depends on db:generate, which runs `prisma generate` with PRISMA_SCHEMA_ENGINE_BINARY=/bin/true.
RUN pnpm turbo run build --filter="@oos/${APP}"

FROM pnpm AS prod-deps
COPY --from=prune /repo/out/json/ ./
RUN --mount=type=cache,id=oos-pnpm-store,target=/pnpm-store \
    pnpm install --frozen-lockfile --prod --ignore-scripts --store-dir /pnpm-store

# What runs: production dependencies, the bundles and the migrations, in the repository's layout (the bundles
# locate the migrations from it), owned by root and run as the unprivileged `node` user (uid 1000), so the root
# filesystem can be mounted read-only (Kubernetes does).
FROM ${NODE_IMAGE} AS runtime
ARG APP
ARG APP_PORT
# PORT is the app's default listening port; the prefixed spelling (GATEWAY_PORT, …) still wins when it is set, and
# the healthcheck follows whichever the app listens on. OOS_APP tells the healthcheck which prefix to look for.
ENV NODE_ENV=production HOST=0.0.0.0 OOS_APP=${APP} PORT=${APP_PORT}
# glibc's malloc returns freed blocks of 128 KiB and more to the OS and keeps two arenas, not one per thread: 30-70 MiB
# less RSS for the gateway after load (docs/BENCHMARKS.md, "Memory"); `pnpm bench` runs the apps with it too.
ENV GLIBC_TUNABLES=glibc.malloc.mmap_threshold=131072:glibc.malloc.arena_max=2
WORKDIR /app
COPY --from=prod-deps /repo/ ./
COPY --from=build /repo/apps/${APP}/dist/ ./apps/${APP}/dist/
COPY --from=build /repo/packages/db-${APP}/prisma/ ./packages/db-${APP}/prisma/
WORKDIR /app/apps/${APP}
USER node
EXPOSE ${APP_PORT}
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "const e=process.env;const p=e[e.OOS_APP.toUpperCase()+'_PORT']||e.PORT;fetch('http://127.0.0.1:'+p+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# V8's young generation capped at 2 x 16 MiB: under load it grows to 128 MiB by default on Node 24 and stays there.
# The old generation capped at 128 MiB (what is live is 30-60 MiB; the containers may use 512 MiB): without a cap
# V8 let it grow to ~100 MiB of garbage under load and kept it (docs/BENCHMARKS.md, "Memory"). `pnpm bench` reads
# these flags from here and runs the bundles with them. No --enable-source-maps: it keeps the parsed 13 MB source
# map of the bundle in memory (+200 MiB RSS measured); set NODE_OPTIONS=--enable-source-maps while debugging a stack
# trace.
CMD ["node", "--max-semi-space-size=16", "--max-old-space-size=128", "dist/main.js"]
