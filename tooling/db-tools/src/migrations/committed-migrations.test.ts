import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { migrationsFolder } from "@devtools-sync/db/migrations";
import * as schema from "@devtools-sync/db/schema";
import { createTestDatabase, withClient } from "@devtools-sync/local-postgres/testing";
import { describeSchema, diffSchemas, migrate, readMigrations } from "@devtools-sync/migrate-core";
import { drizzleMigrate, migrationState } from "@devtools-sync/migrate-core/testing";
import { generateDrizzleJson, generateMigration } from "drizzle-kit/api";
import { describe, expect, it } from "vitest";

const fixture = (name: string) =>
  readFile(createRequire(import.meta.url).resolve(`@devtools-sync/db/test/fixtures/${name}`), "utf8");

async function seedDatabase(withData: boolean) {
  const database = await createTestDatabase();
  await withClient(database.url, async (client) => {
    await client.query(await fixture("seed-schema.sql"));
    if (withData) await client.query(await fixture("seed-data.sql"));
  });
  return database;
}

const describeDatabase = (url: string) => withClient(url, (client) => describeSchema(client));

describe("the committed migrations", () => {
  it("capture every change of the TypeScript schema, so pnpm db:generate would write nothing", async () => {
    const migrations = await readMigrations(migrationsFolder);
    const last = migrations.at(-1)?.name.slice(0, 4);
    const snapshot = JSON.parse(await readFile(`${migrationsFolder}/meta/${last}_snapshot.json`, "utf8"));
    const current = generateDrizzleJson(schema, snapshot.id, undefined, "snake_case");
    expect(
      await generateMigration(snapshot, current),
      "the TypeScript schema has changes no migration captures: run pnpm db:generate --name <verb_object>, review it, then pnpm db:refresh",
    ).toEqual([]);
  });

  it("apply to an empty database, and applying them again changes nothing", async () => {
    const database = await createTestDatabase();
    const first = await withClient(database.url, (client) => migrate({ client, folder: migrationsFolder }));
    expect(first.applied).toHaveLength((await readMigrations(migrationsFolder)).length);
    const before = await describeDatabase(database.url);
    const second = await withClient(database.url, (client) => migrate({ client, folder: migrationsFolder }));
    expect(second.applied).toEqual([]);
    expect(await describeDatabase(database.url)).toEqual(before);
  });

  it("leave drizzle-orm's migrate() nothing to apply, and it does not fail, on a database this migrator migrated", async () => {
    const database = await createTestDatabase();
    const result = await withClient(database.url, (client) => migrate({ client, folder: migrationsFolder }));
    expect(result.applied).toHaveLength((await readMigrations(migrationsFolder)).length);
    const before = await migrationState(database.url);
    await drizzleMigrate(database.url, migrationsFolder);
    expect(await migrationState(database.url)).toEqual(before);
  });

  it("start with exactly the schema the seed's golang-migrate SQL creates, names included", async () => {
    const seeded = await seedDatabase(false);
    const migrated = await createTestDatabase();
    await withClient(migrated.url, (client) =>
      migrate({ client, folder: migrationsFolder, to: "0000_create_seed_schema" }),
    );
    const differences = diffSchemas(await describeDatabase(seeded.url), await describeDatabase(migrated.url));
    expect(differences).toEqual([]);
  });

  it("end with every seed table, column, type, default and key, changed only where intended", async () => {
    const seeded = await seedDatabase(false);
    const migrated = await createTestDatabase();
    await withClient(migrated.url, (client) => migrate({ client, folder: migrationsFolder }));
    // The privileges 0005 grants are least-privilege-migration.test.ts's subject.
    const differences = diffSchemas(await describeDatabase(seeded.url), await describeDatabase(migrated.url)).filter(
      (difference) => !/^(default )?privilege /.test(difference),
    );
    const notNull = (column: string) => `column ${column}: is NOT NULL, expected nullable`;
    expect(differences.sort()).toEqual(
      [
        ...[
          "agents.created_at",
          "agents.status",
          "agents.updated_at",
          "api_keys.created_at",
          "api_keys.scopes",
          "audit_log.created_at",
          "audit_log.details",
          "blocklist.created_at",
          "blocklist.is_active",
          "blocklist.updated_at",
          "extensions.created_at",
          "extensions.is_blocked",
          "extensions.updated_at",
          "group_extensions.created_at",
          "group_extensions.is_required",
          "groups.created_at",
          "groups.settings",
          "groups.updated_at",
          "reports.reported_at",
          "users.created_at",
          "users.is_active",
          "users.role",
          "users.updated_at",
        ].map(notNull),
        ...[
          "agents_platform_check on agents",
          "agents_status_check on agents",
          "api_keys_key_hash_check on api_keys",
          "api_keys_scopes_check on api_keys",
          "audit_log_actor_type_check on audit_log",
          "blocklist_pattern_type_check on blocklist",
          "users_password_hash_check on users",
          "users_role_check on users",
          // The data rules (add_data_rules_not_valid, validate_data_rules).
          "agents_display_name_check on agents",
          "api_keys_key_prefix_check on api_keys",
          "api_keys_name_check on api_keys",
          "audit_log_details_check on audit_log",
          "blocklist_pattern_check on blocklist",
          "blocklist_regex_compiles_check on blocklist",
          "extensions_extension_id_check on extensions",
          "extensions_name_check on extensions",
          "extensions_publisher_check on extensions",
          "groups_name_check on groups",
          "groups_settings_check on groups",
          "reports_extension_id_check on reports",
          "users_display_name_check on users",
          "users_email_check on users",
        ].map((check) => `constraint ${check} is extra`),
        ...[
          "idx_agents_group_id on agents",
          "idx_agents_last_heartbeat on agents",
          "idx_agents_status on agents",
          "idx_api_keys_key_hash on api_keys",
          "idx_audit_log_group_id on audit_log",
          "idx_blocklist_pattern_type on blocklist",
          "idx_extensions_extension_id on extensions",
          "idx_group_extensions_group_id on group_extensions",
          "idx_groups_name on groups",
          "idx_reports_group_id on reports",
          "idx_reports_reported_at on reports",
          "idx_reports_user_extension on reports",
          "idx_users_email on users",
          // drop_exact_users_email_key: users_email_lower_key holds the rule.
          "users_email_key on users",
        ].map((index) => `index ${index} is missing`),
        "constraint users_email_key on users is missing",
        ...[
          "agents_group_id_last_heartbeat_idx on agents",
          "audit_log_group_id_created_at_idx on audit_log",
          "blocklist_pattern_type_pattern_key on blocklist",
          "users_email_lower_key on users",
          "reports_group_id_extension_id_narrow_idx on reports",
          "agents_group_id_user_hash_idx on agents",
        ].map((index) => `index ${index} is extra`),
        // The compliance state (0017): its tables, and the triggers that keep it current.
        ...["compliance_extensions", "compliance_groups", "compliance_violations"].map(
          (table) => `table ${table} is extra`,
        ),
        ...[
          ["agents", "insert", "update", "delete"],
          ["blocklist", "insert", "update", "delete"],
          ["extensions", "insert", "update", "delete"],
          ["group_extensions", "insert", "update", "delete"],
          ["groups", "insert"],
          ["reports", "insert", "update", "delete"],
        ].flatMap(([table, ...events]) =>
          events.map((event) => `trigger ${table}_compliance_${event} on ${table} is extra`),
        ),
        ...["agents", "blocklist", "extensions", "groups", "users"].map(
          (table) => `trigger ${table}_set_updated_at on ${table} is extra`,
        ),
        ...["agents", "api_keys", "audit_log", "group_extensions", "groups", "reports"].flatMap((table) => [
          `table ${table}: row-level security is forced, expected off`,
          `policy ${table}_own_group on ${table} is extra`,
          `policy ${table}_all_groups on ${table} is extra`,
          `policy ${table}_backup_reads_all on ${table} is extra`,
          `policy ${table}_owner_refused on ${table} is extra`,
        ]),
        ...["agents", "group_extensions", "groups", "reports"].map(
          (table) => `policy ${table}_compliance_reads on ${table} is extra`,
        ),
        "policy api_keys_presented_key on api_keys is extra",
        "policy audit_log_purge on audit_log is extra",
        "table audit_log_purges is extra",
        "trigger audit_log_append_only on audit_log is extra",
        "trigger audit_log_no_truncate on audit_log is extra",
        "trigger audit_log_stamp on audit_log is extra",
        ...[
          "set_updated_at()",
          "audit_log_append_only()",
          "purge_audit_log(timestamp with time zone)",
          "audit_log_purges_guard()",
          "audit_log_stamp()",
          "compiles_as_regex(text)",
          "refuse_owner_row_access()",
          "compliance_build_group(uuid)",
          "compliance_follow_agents()",
          "compliance_follow_groups()",
          "compliance_follow_reports()",
          "compliance_follow_rules()",
          "compliance_lock(uuid[], character varying[])",
          "compliance_rebuild(uuid[], character varying[])",
          "compliance_refresh(uuid[], character varying[], character varying[])",
          "compliance_verdict(character varying)",
        ].map((name) => `function ${name} is extra`),
      ].sort(),
    );
  });

  it("take over a database created by the seed's SQL and data, keeping the data", async () => {
    const seeded = await seedDatabase(true);
    await withClient(seeded.url, async (client) => {
      // What `migrator baseline` records: the seed's schema is migration 0000.
      const history = await readMigrations(migrationsFolder);
      await client.query(
        `CREATE SCHEMA drizzle;
         CREATE TABLE drizzle.__drizzle_migrations (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint);`,
      );
      await client.query("INSERT INTO drizzle.__drizzle_migrations (hash, created_at) VALUES ($1, $2)", [
        history[0]?.hash,
        history[0]?.createdAt,
      ]);
      const result = await migrate({ client, folder: migrationsFolder });
      expect(result.applied).toEqual(history.slice(1).map((migration) => migration.name));
      const counts = await client.query(
        "SELECT (SELECT count(*) FROM users)::int AS users, (SELECT count(*) FROM reports)::int AS reports",
      );
      expect(counts.rows[0]).toEqual({ users: 2, reports: 5 });
    });
    const fresh = await createTestDatabase();
    await withClient(fresh.url, (client) => migrate({ client, folder: migrationsFolder }));
    expect(diffSchemas(await describeDatabase(fresh.url), await describeDatabase(seeded.url))).toEqual([]);
  });
});
