#!/usr/bin/env bash
# Generates each service's Prisma client (TypeScript, engine-free) from its schema.
set -euo pipefail
cd "$(dirname "$0")/.."
export CHECKPOINT_DISABLE=1 PRISMA_HIDE_UPDATE_MESSAGE=1
# `prisma generate` reads no data, but the CLI insists on a DATABASE_URL before it will use the adapter.
export DATABASE_URL=${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/postgres}
for service in order inventory payment notification points; do
  npx prisma generate --config "prisma/$service/prisma.config.ts" 2>&1 | grep -E "Generated|rror" || { echo "prisma generate failed for $service" >&2; exit 1; }
done
