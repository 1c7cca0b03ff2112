#!/bin/sh
# Applies the service's own migrations before it starts, so it never serves against an old schema.
set -eu
cd "$(dirname "$0")/.."

SERVICE="${1:-${SERVICE:-}}"
case "$SERVICE" in
  order | inventory | payment | notification | points) ;;
  *)
    echo "service-entrypoint: set SERVICE to order, inventory, payment, notification or points (got '$SERVICE')" >&2
    exit 64
    ;;
esac

node_modules/.bin/prisma migrate deploy --config "prisma/$SERVICE/prisma.config.ts"
# exec: the service becomes PID 1 and receives SIGTERM itself, for its graceful shutdown.
exec node "dist/apps/$SERVICE/src/main.js"
