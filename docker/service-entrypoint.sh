#!/bin/sh
# Applies the service's own migrations before it starts, so it never serves against an old schema.
# The console has no database: it starts at once.
set -eu
cd "$(dirname "$0")/.."

SERVICE="${1:-${SERVICE:-}}"
case "$SERVICE" in
  order | inventory | payment | notification | points)
    node_modules/.bin/prisma migrate deploy --config "prisma/$SERVICE/prisma.config.ts"
    ;;
  console) ;;
  *)
    echo "service-entrypoint: set SERVICE to order, inventory, payment, notification, points or console (got '$SERVICE')" >&2
    exit 64
    ;;
esac

# exec: the service becomes PID 1 and receives SIGTERM itself, for its graceful shutdown.
exec node "dist/apps/$SERVICE/src/main.js"
