# syntax=docker/dockerfile:1
# One image for the five services and the operations console: the SERVICE environment variable picks the one a
# container runs.

FROM node:20-bookworm-slim AS build
WORKDIR /app
ENV CHECKPOINT_DISABLE=1 PRISMA_HIDE_UPDATE_MESSAGE=1
COPY package.json package-lock.json ./
# No install scripts: Prisma's would download native engines that the engine-free driver-adapter setup never uses.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.base.json tsconfig.build.json ./
COPY scripts ./scripts
COPY prisma ./prisma
COPY libs ./libs
COPY apps ./apps
COPY tools ./tools
# `prisma generate` connects to nothing, but refuses the driver adapter without some DATABASE_URL.
RUN DATABASE_URL=postgresql://build@localhost:5432/build npm run build

FROM node:20-bookworm-slim AS runtime
WORKDIR /app
ENV NODE_ENV=production CHECKPOINT_DISABLE=1 PRISMA_HIDE_UPDATE_MESSAGE=1
COPY package.json package-lock.json ./
# The prisma CLI is a devDependency but applies the migrations at start-up, so it is installed explicitly
# (at the locked version; a no-op when the lockfile already keeps it as @prisma/client's optional peer).
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
  && npm install --no-save --omit=dev --ignore-scripts --no-audit --no-fund \
    "prisma@$(node -p "require('./package.json').devDependencies.prisma")" \
  && test -x node_modules/.bin/prisma \
  && npm cache clean --force
COPY --from=build /app/dist ./dist
# Schemas, migrations and prisma.config.ts files; the messaging.prisma symlinks resolve inside this folder.
COPY prisma ./prisma
# The console's pages: it finds them from dist/apps/console/src as ../../../../apps/console/public.
COPY apps/console/public ./apps/console/public
COPY --chmod=0755 docker/service-entrypoint.sh ./docker/service-entrypoint.sh
# Files stay owned by root: the service user can read them but not change them.
USER node
EXPOSE 3000 3001 3002 3003 3004 3005
ENTRYPOINT ["/app/docker/service-entrypoint.sh"]
