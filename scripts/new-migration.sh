#!/usr/bin/env bash
# Writes prisma/<service>/migrations/<timestamp>_<name>/migration.sql: the SQL that takes the
# service's database from the schema as committed at BASE (default HEAD) to the schema in the
# working tree. `prisma migrate dev` cannot run with the engine-free driver adapter, so the
# migration is authored as a diff between two datamodels instead.
# Usage: scripts/new-migration.sh <service> <name>      (BASE=<git rev> to diff from elsewhere)
set -euo pipefail
cd "$(dirname "$0")/.."

service=${1:?usage: scripts/new-migration.sh <service> <name>}
name=${2:?usage: scripts/new-migration.sh <service> <name>}
schema_dir="prisma/$service"
base=${BASE:-HEAD}
[ -f "$schema_dir/schema.prisma" ] || { echo "no schema at $schema_dir/schema.prisma" >&2; exit 1; }

# The CLI opens its driver adapter even for a pure datamodel diff, so it needs a reachable database.
export DATABASE_URL=${PG_ADMIN_URL:-postgresql://postgres@127.0.0.1:5432/postgres}
migrations="$schema_dir/migrations"
from=(--from-empty)
if compgen -G "$migrations/*/migration.sql" >/dev/null; then
  previous=$(mktemp -d)
  trap 'rm -rf "$previous"' EXIT
  git show "$base:$schema_dir/schema.prisma" > "$previous/schema.prisma"
  git show "$base:prisma/shared/messaging.prisma" > "$previous/messaging.prisma"
  from=(--from-schema-datamodel "$previous")
fi

sql=$(npx prisma migrate diff --config "$schema_dir/prisma.config.ts" \
  "${from[@]}" --to-schema-datamodel "$schema_dir" --script 2> >(grep -Ev "^Loaded Prisma config|^Prisma config detected|^$" >&2))

if ! grep -qvE '^\s*(--.*)?$' <<<"$sql"; then
  echo "$service: the schema has not changed since $base; nothing written"
  exit 0
fi
target="$migrations/$(date -u +%Y%m%d%H%M%S)_${name}"
mkdir -p "$target"
printf '%s\n' "$sql" > "$target/migration.sql"
echo "wrote $target/migration.sql"
