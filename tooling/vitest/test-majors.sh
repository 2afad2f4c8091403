#!/usr/bin/env bash
# pnpm test:majors: the schema's (db, db-tools) and the migrator's tests on the oldest and the newest
# supported PostgreSQL majors. Files whose outcome no major of the run's server can change are left
# out here; `pnpm test` runs them (on 17): they read only files (the README, the deploy files, the
# migrations' checksums and diagram, drizzle-kit check of the history, the lint's rules on SQL text)
# or start a server of a fixed major of their own (postgres-18.test.ts).
set -euo pipefail
cd "$(dirname "$0")/../.."
projects=(packages/db tooling/db-tools apps/migrator)
same_on_every_major=(
  apps/migrator/src/deploy-files.test.ts
  apps/migrator/src/readme.test.ts
  apps/migrator/src/redact.test.ts
  apps/migrator/src/target.test.ts
  tooling/db-tools/src/artifacts/checksums.test.ts
  tooling/db-tools/src/artifacts/diagram.test.ts
  tooling/db-tools/src/expand-contract/classify.test.ts
  tooling/db-tools/src/lint/data-loss.test.ts
  tooling/db-tools/src/lint/history.test.ts
  tooling/db-tools/src/migrations/postgres-18.test.ts
)
# vitest matches --exclude against paths inside each project, so a path must name one file only.
excludes=()
for file in "${same_on_every_major[@]}"; do
  [[ -f $file ]] || { echo "test-majors.sh: $file does not exist: update the list" >&2; exit 1; }
  inside=${file#*/*/}
  for project in "${projects[@]}"; do
    [[ $project/$inside == "$file" || ! -e $project/$inside ]] || {
      echo "test-majors.sh: excluding $inside would also exclude $project/$inside" >&2
      exit 1
    }
  done
  excludes+=("--exclude=$inside")
done
for major in 15 18; do
  TEST_PG_MAJOR=$major vitest run --testTimeout=120000 --project @devtools-sync/db --project @devtools-sync/db-tools --project @devtools-sync/migrator "${excludes[@]}"
done
