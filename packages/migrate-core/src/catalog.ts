import type pg from "pg";
import { DRIZZLE_LEDGER, LEDGER } from "./ledger";

// The one reader of PostgreSQL's catalogs: everything that needs to know what a schema holds
// (verify, baseline, up's after-check, the migration lint, the schema.sql writer) reads this
// model, so they cannot disagree about what is there.

/** A schema as PostgreSQL's catalogs describe it, keyed by object name, in a stable order. */
export interface SchemaDescription {
  /**
   * The role that ran the migrations: the owner of the migrator's ledger, else the reading role.
   * Its objects and its own privileges match another side's migrations role's, whatever the names.
   */
  role: string;
  /** The schema itself: its name, its owner and who may use it or create in it. */
  schema: Privileged & { name: string };
  tables: Record<string, TableDescription>;
  /** Sequences by name, identity sequences included. */
  sequences: Record<string, SequenceDescription>;
  /** Functions and procedures by signature, e.g. `purge_audit_log(timestamp with time zone)`. */
  functions: Record<string, FunctionDescription>;
  /** Enum types by name. */
  enums: Record<string, EnumDescription>;
  /** `ALTER DEFAULT PRIVILEGES` in this schema or database-wide, for any role. */
  defaultPrivileges: DefaultPrivilege[];
}

/** One entry of an access control list; `grantee` is a role name or `PUBLIC`. */
export interface Grant {
  grantee: string;
  /** e.g. `SELECT`, `EXECUTE`, `USAGE`, `CREATE`. */
  privilege: string;
  /** WITH GRANT OPTION. */
  grantable: boolean;
}

/** An object with an owner and privileges. */
export interface Privileged {
  owner: string;
  /** The privileges in force (a NULL ACL read as the built-in one). */
  acl: Grant[];
  /** What it starts with: a new object's built-in ACL, or for the schema the new database's. */
  builtinAcl: Grant[];
}

export interface TableDescription extends Privileged {
  /** Columns in table order. */
  columns: Record<string, ColumnDescription>;
  /** Constraints by name (PostgreSQL 18's NOT NULL constraints included, type `n`). */
  constraints: Record<string, ConstraintDescription>;
  /** Indexes by name, unique-constraint indexes included. */
  indexes: Record<string, IndexDescription>;
  /** Triggers by name, internal ones (of foreign keys) left out. */
  triggers: Record<string, TriggerDescription>;
  /** Row-level security policies by name. */
  policies: Record<string, PolicyDescription>;
  /** ENABLE ROW LEVEL SECURITY. */
  rowSecurity: boolean;
  /** FORCE ROW LEVEL SECURITY: the owner obeys the policies too. */
  forceRowSecurity: boolean;
}

export interface ColumnDescription {
  /** `format_type`, e.g. `character varying(255)`. */
  type: string;
  nullable: boolean;
  /** The default expression (or a generated column's expression), e.g. `gen_random_uuid()`, or null. */
  default: string | null;
  /** `a` GENERATED ALWAYS AS IDENTITY, `d` BY DEFAULT, or "". */
  identity: string;
  /** `s` stored generated column, `v` virtual (PostgreSQL 18), or "". */
  generated: string;
  /** Column privileges (a new column has none). */
  acl: Grant[];
}

export interface ConstraintDescription {
  /** `pg_constraint.contype`: p primary key, u unique, c check, f foreign key, x exclusion, n NOT NULL, t trigger. */
  type: string;
  /** `pg_get_constraintdef`, e.g. `FOREIGN KEY (group_id) REFERENCES groups(id) ON DELETE CASCADE`. */
  definition: string;
  /** The constrained columns, in key order. */
  columns: string[];
  /** The referenced table of a foreign key, else null. */
  references: string | null;
}

export interface IndexDescription {
  /** `pg_get_indexdef`. */
  definition: string;
  valid: boolean;
  unique: boolean;
  /** The access method, e.g. `btree`. */
  method: string;
  /** The key columns in order (an expression key shows as null). */
  columns: (string | null)[];
  /** Has a WHERE clause. */
  partial: boolean;
  /** Backs a PRIMARY KEY, UNIQUE or EXCLUDE constraint (dropping it means dropping the constraint). */
  constraint: boolean;
}

export interface TriggerDescription {
  /** `pg_get_triggerdef`. */
  definition: string;
  /** `O` enabled, `D` disabled, `R` replica only, `A` always (`pg_trigger.tgenabled`). */
  enabled: string;
}

export interface PolicyDescription {
  permissive: boolean;
  /** ALL, SELECT, INSERT, UPDATE or DELETE. */
  command: string;
  /** Role names in name order; `PUBLIC` for the public pseudo-role. */
  roles: string[];
  /** `pg_get_expr` of USING, or null. */
  using: string | null;
  /** `pg_get_expr` of WITH CHECK, or null. */
  check: string | null;
}

export interface SequenceDescription extends Privileged {
  /** e.g. `bigint`. */
  type: string;
  start: string;
  increment: string;
  min: string;
  max: string;
  cache: string;
  cycle: boolean;
  /** The column of OWNED BY (or of an identity column), else null. */
  ownedBy: { table: string; column: string } | null;
  /** Belongs to an identity column (created and dropped with it). */
  identity: boolean;
}

export interface FunctionDescription extends Privileged {
  name: string;
  /** Argument types as GRANT names them, e.g. `timestamp with time zone`. */
  arguments: string;
  /** `f` function, `p` procedure. */
  kind: string;
  /** `pg_get_functiondef`. */
  definition: string;
}

export interface EnumDescription extends Privileged {
  labels: string[];
}

export interface DefaultPrivilege {
  /** The role whose new objects get these privileges. */
  role: string;
  /** Applies in the described schema only (else database-wide). */
  inSchema: boolean;
  objectType: "tables" | "sequences" | "functions" | "types" | "schemas";
  acl: Grant[];
  /** What applies without the entry: the built-in ACL database-wide, nothing in a schema. */
  builtinAcl: Grant[];
}

const aclOf = (column: string) => `coalesce((
  SELECT json_agg(json_build_object('grantee', coalesce(r.rolname, 'PUBLIC'), 'privilege', a.privilege_type,
                                    'grantable', a.is_grantable)
                  ORDER BY coalesce(r.rolname, 'PUBLIC') COLLATE "C", a.privilege_type, a.is_grantable)
  FROM aclexplode(${column}) a LEFT JOIN pg_roles r ON r.oid = a.grantee AND a.grantee <> 0), '[]')`;

const TABLES = `
  SELECT c.relname AS name, pg_get_userbyid(c.relowner) AS owner, c.relrowsecurity AS "rowSecurity",
         c.relforcerowsecurity AS "forceRowSecurity",
         ${aclOf("coalesce(c.relacl, acldefault('r', c.relowner))")} AS acl, ${aclOf("acldefault('r', c.relowner)")} AS "builtinAcl"
  FROM pg_class c WHERE c.relnamespace = $1::regnamespace AND c.relkind IN ('r', 'p')
  ORDER BY c.relname COLLATE "C"`;

const COLUMNS = `
  SELECT c.relname AS table, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
         NOT a.attnotnull AS nullable, pg_get_expr(d.adbin, d.adrelid) AS default,
         a.attidentity::text AS identity, a.attgenerated::text AS generated, ${aclOf("a.attacl")} AS acl
  FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
  WHERE c.relnamespace = $1::regnamespace AND c.relkind IN ('r', 'p')
  ORDER BY c.relname COLLATE "C", a.attnum`;

const CONSTRAINTS = `
  SELECT c.relname AS table, k.conname AS name, k.contype::text AS type, pg_get_constraintdef(k.oid) AS definition,
         ARRAY(SELECT a.attname FROM unnest(k.conkey) WITH ORDINALITY u(attnum, n)
               JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum ORDER BY u.n)::text[] AS columns,
         r.relname AS references
  FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid LEFT JOIN pg_class r ON r.oid = k.confrelid
  WHERE c.relnamespace = $1::regnamespace
  ORDER BY c.relname COLLATE "C", k.conname COLLATE "C"`;

const INDEXES = `
  SELECT t.relname AS table, i.relname AS name, pg_get_indexdef(x.indexrelid) AS definition, x.indisvalid AS valid,
         x.indisunique AS unique, am.amname AS method, x.indpred IS NOT NULL AS partial,
         EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid AND k.conrelid = x.indrelid
                 AND k.contype IN ('p', 'u', 'x')) AS constraint,
         ARRAY(SELECT a.attname FROM unnest((x.indkey::int2[])[0:x.indnkeyatts - 1]) WITH ORDINALITY k(attnum, n)
               LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum ORDER BY k.n)::text[] AS columns
  FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
  JOIN pg_am am ON am.oid = i.relam
  WHERE t.relnamespace = $1::regnamespace AND t.relkind IN ('r', 'p')
  ORDER BY t.relname COLLATE "C", i.relname COLLATE "C"`;

const TRIGGERS = `
  SELECT c.relname AS table, g.tgname AS name, pg_get_triggerdef(g.oid) AS definition, g.tgenabled::text AS enabled
  FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid
  WHERE c.relnamespace = $1::regnamespace AND NOT g.tgisinternal
  ORDER BY c.relname COLLATE "C", g.tgname COLLATE "C"`;

const POLICIES = `
  SELECT c.relname AS table, p.polname AS name, p.polpermissive AS permissive,
         CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE'
                       WHEN 'd' THEN 'DELETE' ELSE 'ALL' END AS command,
         ARRAY(SELECT coalesce(r.rolname, 'PUBLIC') FROM unnest(p.polroles) AS u(oid)
               LEFT JOIN pg_roles r ON r.oid = u.oid AND u.oid <> 0
               ORDER BY r.rolname COLLATE "C" NULLS FIRST)::text[] AS roles,
         pg_get_expr(p.polqual, p.polrelid) AS using, pg_get_expr(p.polwithcheck, p.polrelid) AS check
  FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
  WHERE c.relnamespace = $1::regnamespace
  ORDER BY c.relname COLLATE "C", p.polname COLLATE "C"`;

const SEQUENCES = `
  SELECT c.relname AS name, pg_get_userbyid(c.relowner) AS owner, format_type(s.seqtypid, NULL) AS type,
         s.seqstart::text AS start, s.seqincrement::text AS increment, s.seqmin::text AS min, s.seqmax::text AS max,
         s.seqcache::text AS cache, s.seqcycle AS cycle,
         (SELECT json_build_object('table', t.relname, 'column', a.attname) FROM pg_depend d JOIN pg_class t ON t.oid = d.refobjid
          JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
          WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.refclassid = 'pg_class'::regclass
            AND d.deptype IN ('a', 'i') LIMIT 1) AS "ownedBy",
         EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                 AND d.deptype = 'i') AS identity,
         ${aclOf("coalesce(c.relacl, acldefault('s', c.relowner))")} AS acl, ${aclOf("acldefault('s', c.relowner)")} AS "builtinAcl"
  FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid
  WHERE c.relnamespace = $1::regnamespace
  ORDER BY c.relname COLLATE "C"`;

const FUNCTIONS = `
  SELECT p.proname AS name, oidvectortypes(p.proargtypes) AS arguments, p.prokind::text AS kind,
         pg_get_functiondef(p.oid) AS definition, pg_get_userbyid(p.proowner) AS owner,
         ${aclOf("coalesce(p.proacl, acldefault('f', p.proowner))")} AS acl, ${aclOf("acldefault('f', p.proowner)")} AS "builtinAcl"
  FROM pg_proc p WHERE p.pronamespace = $1::regnamespace AND p.prokind IN ('f', 'p')
  ORDER BY p.proname COLLATE "C", oidvectortypes(p.proargtypes) COLLATE "C"`;

const ENUMS = `
  SELECT t.typname AS name, pg_get_userbyid(t.typowner) AS owner,
         ARRAY(SELECT e.enumlabel FROM pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder)::text[] AS labels,
         ${aclOf("coalesce(t.typacl, acldefault('T', t.typowner))")} AS acl, ${aclOf("acldefault('T', t.typowner)")} AS "builtinAcl"
  FROM pg_type t WHERE t.typnamespace = $1::regnamespace AND t.typtype = 'e'
  ORDER BY t.typname COLLATE "C"`;

// The schema's starting ACL is the new database's (pg_init_privs), which differs by major version.
const SCHEMA = `
  SELECT n.nspname AS name, pg_get_userbyid(n.nspowner) AS owner, ${aclOf("coalesce(n.nspacl, acldefault('n', n.nspowner))")} AS acl,
         ${aclOf("coalesce(i.initprivs, acldefault('n', n.nspowner))")} AS "builtinAcl"
  FROM pg_namespace n
  LEFT JOIN pg_init_privs i ON i.objoid = n.oid AND i.classoid = 'pg_namespace'::regclass AND i.objsubid = 0
  WHERE n.oid = $1::regnamespace`;

const DEFAULT_PRIVILEGES = `
  SELECT pg_get_userbyid(d.defaclrole) AS role, d.defaclnamespace <> 0 AS "inSchema",
         CASE d.defaclobjtype WHEN 'r' THEN 'tables' WHEN 'S' THEN 'sequences' WHEN 'f' THEN 'functions'
                              WHEN 'T' THEN 'types' ELSE 'schemas' END AS "objectType",
         ${aclOf("d.defaclacl")} AS acl,
         CASE WHEN d.defaclnamespace = 0
              THEN ${aclOf(`acldefault(CASE d.defaclobjtype WHEN 'S' THEN 's' ELSE d.defaclobjtype END::"char", d.defaclrole)`)}
              ELSE '[]' END AS "builtinAcl"
  FROM pg_default_acl d WHERE d.defaclnamespace IN (0, $1::regnamespace)
  ORDER BY pg_get_userbyid(d.defaclrole) COLLATE "C", d.defaclnamespace, d.defaclobjtype`;

/** Reads everything of one schema that the migrations define, into one model. */
export async function describeSchema(client: pg.ClientBase, schema = "public"): Promise<SchemaDescription> {
  // One query at a time: a pg client runs them in sequence anyway.
  const read = async <T extends pg.QueryResultRow>(sql: string) => (await client.query<T>(sql, [schema])).rows;
  const schemaRows = await read<Privileged & { name: string }>(SCHEMA);
  const tableRows = await read<TableDescription & { name: string }>(TABLES);
  const columns = await read<ColumnDescription & { table: string; name: string }>(COLUMNS);
  const constraints = await read<ConstraintDescription & { table: string; name: string }>(CONSTRAINTS);
  const indexes = await read<IndexDescription & { table: string; name: string }>(INDEXES);
  const triggers = await read<TriggerDescription & { table: string; name: string }>(TRIGGERS);
  const policies = await read<PolicyDescription & { table: string; name: string }>(POLICIES);
  const sequences = await read<SequenceDescription & { name: string }>(SEQUENCES);
  const functions = await read<FunctionDescription>(FUNCTIONS);
  const enums = await read<EnumDescription & { name: string }>(ENUMS);
  const defaults = await read<DefaultPrivilege>(DEFAULT_PRIVILEGES);
  const tables: Record<string, TableDescription> = {};
  for (const { name, ...table } of tableRows) {
    tables[name] = { ...table, columns: {}, constraints: {}, indexes: {}, triggers: {}, policies: {} };
  }
  const place = <K extends "columns" | "constraints" | "indexes" | "triggers" | "policies">(
    key: K,
    rows: Array<{ table: string; name: string } & TableDescription[K][string]>,
  ) => {
    for (const { table, name, ...value } of rows) {
      const owner = tables[table];
      if (owner) owner[key][name] = value as unknown as TableDescription[K][string];
    }
  };
  place("columns", columns);
  place("constraints", constraints);
  place("indexes", indexes);
  place("triggers", triggers);
  place("policies", policies);
  const [schemaRow] = schemaRows;
  if (!schemaRow) throw new Error(`schema ${schema} does not exist`);
  const { rows } = await client.query(
    "SELECT coalesce((SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = to_regclass($1)), current_user) AS role",
    [LEDGER],
  );
  return {
    role: rows[0].role,
    schema: schemaRow,
    tables,
    sequences: Object.fromEntries(sequences.map(({ name, ...sequence }) => [name, sequence])),
    functions: Object.fromEntries(functions.map((f) => [`${f.name}(${f.arguments})`, f])),
    enums: Object.fromEntries(enums.map(({ name, ...type }) => [name, type])),
    defaultPrivileges: defaults,
  };
}

/**
 * Whether nothing has been created yet: no migration history and no table, view, sequence,
 * function or type in `schema`. Migrations applied to such a database produce the migrations'
 * schema by construction, so `up` need not compare it afterwards.
 */
export async function isEmptyDatabase(client: pg.ClientBase, schema = "public"): Promise<boolean> {
  const { rows } = await client.query(
    `SELECT to_regclass($2) IS NULL AND to_regclass($3) IS NULL
        AND NOT EXISTS (SELECT 1 FROM pg_class WHERE relnamespace = to_regnamespace($1))
        AND NOT EXISTS (SELECT 1 FROM pg_proc WHERE pronamespace = to_regnamespace($1))
        AND NOT EXISTS (SELECT 1 FROM pg_type WHERE typnamespace = to_regnamespace($1) AND typrelid = 0 AND typcategory <> 'A')
        AS empty`,
    [schema, LEDGER, DRIZZLE_LEDGER],
  );
  return rows[0].empty;
}
