import type {
  DefaultPrivilege,
  Grant,
  Privileged,
  SchemaDescription,
  SequenceDescription,
  TableDescription,
} from "./catalog";

/**
 * Every difference between an expected and an actual schema, one sentence each, e.g.
 * `index idx_users_email on users is missing`, `column users.role: type is text, expected character varying(20)`
 * or `privilege SELECT on table users to devtools_sync_readonly is extra`. Definitions are compared
 * as text: align equivalent ones first (see `alignEquivalentDefinitions`).
 */
export function diffSchemas(expected: SchemaDescription, actual: SchemaDescription): string[] {
  const differences: string[] = [];
  const role = { expected: ownRole(expected.role), actual: ownRole(actual.role) };
  const privileges = (what: string, want: Privileged, have: Privileged) => {
    const owner = { expected: role.expected(want.owner), actual: role.actual(have.owner) };
    if (owner.expected !== owner.actual) differences.push(`${what}: owner is ${have.owner}, expected ${want.owner}`);
    compareAcl(`on ${what}`, want, have, role, differences);
  };

  privileges(`schema ${expected.schema.name}`, expected.schema, actual.schema);
  compareNamed("table", expected.tables, actual.tables, differences, (name, want, have) => {
    diffTable(name, want, have, role, differences);
    privileges(`table ${name}`, want, have);
  });
  compareNamed("sequence", expected.sequences, actual.sequences, differences, (name, want, have) => {
    for (const field of ["type", "start", "increment", "min", "max", "cache", "cycle"] as const) {
      if (want[field] !== have[field])
        differences.push(`sequence ${name}: ${field} is ${have[field]}, expected ${want[field]}`);
    }
    const owner = (column: SequenceDescription["ownedBy"]) => (column ? `${column.table}.${column.column}` : "none");
    if (owner(want.ownedBy) !== owner(have.ownedBy)) {
      differences.push(`sequence ${name}: owned by ${owner(have.ownedBy)}, expected ${owner(want.ownedBy)}`);
    }
    privileges(`sequence ${name}`, want, have);
  });
  compareNamed("function", expected.functions, actual.functions, differences, (name, want, have) => {
    if (want.definition !== have.definition) differences.push(`function ${name} has a different definition`);
    privileges(`function ${name}`, want, have);
  });
  compareNamed("type", expected.enums, actual.enums, differences, (name, want, have) => {
    if (want.labels.join() !== have.labels.join()) {
      differences.push(`type ${name}: labels are (${have.labels.join(", ")}), expected (${want.labels.join(", ")})`);
    }
    privileges(`type ${name}`, want, have);
  });
  const defaults = (description: SchemaDescription, own: (name: string) => string) =>
    new Map(
      description.defaultPrivileges.map((entry) => [`${entry.objectType} ${own(entry.role)} ${entry.inSchema}`, entry]),
    );
  const wantDefaults = defaults(expected, role.expected);
  const haveDefaults = defaults(actual, role.actual);
  for (const key of new Set([...wantDefaults.keys(), ...haveDefaults.keys()])) {
    const want = wantDefaults.get(key);
    const have = haveDefaults.get(key);
    const entry = (have ?? want) as DefaultPrivilege;
    const where = entry.inSchema ? ` in schema ${expected.schema.name}` : "";
    const on = `on ${entry.objectType} created by ${entry.role}${where}`;
    const grants = (side?: DefaultPrivilege) => ({ owner: side?.role ?? "", acl: side?.acl ?? [] });
    compareAcl(on, grants(want), grants(have), role, differences, "default privilege");
  }
  return differences;
}

// Objects of the role that ran the migrations, and its own privileges, are the same on both sides
// even when the names differ (verify run by another role than up, a copy restored under another
// owner): while comparing, that role is this placeholder, never printed.
const OWN_ROLE = "\u0000migrations' role";
const OWNER = "\u0000owner";
const ownRole = (migrationsRole: string) => (role: string) => (role === migrationsRole ? OWN_ROLE : role);
type Roles = { expected: (name: string) => string; actual: (name: string) => string };

function diffTable(
  name: string,
  want: TableDescription,
  have: TableDescription,
  role: Roles,
  differences: string[],
): void {
  compareNamed(`column of ${name}`, want.columns, have.columns, differences, (column, a, b) => {
    const where = `column ${name}.${column}`;
    if (a.type !== b.type) differences.push(`${where}: type is ${b.type}, expected ${a.type}`);
    if (a.nullable !== b.nullable) {
      differences.push(
        `${where}: is ${b.nullable ? "nullable" : "NOT NULL"}, expected ${a.nullable ? "nullable" : "NOT NULL"}`,
      );
    }
    if (a.default !== b.default) {
      differences.push(`${where}: default is ${b.default ?? "none"}, expected ${a.default ?? "none"}`);
    }
    if (a.identity !== b.identity || a.generated !== b.generated) {
      differences.push(`${where}: is ${generation(b)}, expected ${generation(a)}`);
    }
    compareAcl(`on ${where}`, { owner: want.owner, acl: a.acl }, { owner: have.owner, acl: b.acl }, role, differences);
  });
  const security = (table: TableDescription) =>
    table.rowSecurity
      ? table.forceRowSecurity
        ? "forced"
        : "enabled"
      : table.forceRowSecurity
        ? "off (forced once enabled)"
        : "off";
  if (security(want) !== security(have)) {
    differences.push(`table ${name}: row-level security is ${security(have)}, expected ${security(want)}`);
  }
  // PostgreSQL names NOT NULL constraints itself (18+), with a number when the name is taken:
  // they are compared by column, and their presence is the column's NOT NULL above.
  const byColumn = (constraints: TableDescription["constraints"]) =>
    Object.fromEntries(
      Object.entries(constraints).map(([constraint, c]) => [
        c.type === "n" ? `NOT NULL ${c.columns[0]}` : constraint,
        c,
      ]),
    );
  const wantConstraints = byColumn(want.constraints);
  const haveConstraints = byColumn(have.constraints);
  compareNamed(
    `constraint on ${name}`,
    notNullOnlyInBoth(wantConstraints, haveConstraints),
    notNullOnlyInBoth(haveConstraints, wantConstraints),
    differences,
    (constraint, a, b) => {
      if (a.definition !== b.definition) {
        differences.push(`constraint ${constraint} on ${name} is "${b.definition}", expected "${a.definition}"`);
      }
    },
  );
  compareNamed(`index on ${name}`, want.indexes, have.indexes, differences, (index, a, b) => {
    if (a.definition !== b.definition)
      differences.push(`index ${index} on ${name} is "${b.definition}", expected "${a.definition}"`);
    if (a.valid !== b.valid)
      differences.push(
        `index ${index} on ${name} is ${b.valid ? "valid" : "invalid"}, expected ${a.valid ? "valid" : "invalid"}`,
      );
  });
  compareNamed(`trigger on ${name}`, want.triggers, have.triggers, differences, (trigger, a, b) => {
    if (a.definition !== b.definition)
      differences.push(`trigger ${trigger} on ${name} is "${b.definition}", expected "${a.definition}"`);
    if (a.enabled !== b.enabled)
      differences.push(`trigger ${trigger} on ${name} is ${firing(b.enabled)}, expected ${firing(a.enabled)}`);
  });
  compareNamed(`policy on ${name}`, want.policies, have.policies, differences, (policy, a, b) => {
    const where = `policy ${policy} on ${name}`;
    const kind = (permissive: boolean) => (permissive ? "permissive" : "restrictive");
    if (a.permissive !== b.permissive)
      differences.push(`${where}: is ${kind(b.permissive)}, expected ${kind(a.permissive)}`);
    if (a.command !== b.command) differences.push(`${where}: command is ${b.command}, expected ${a.command}`);
    const roles = (list: string[], own: (name: string) => string) => list.map(own).sort().join();
    if (roles(a.roles, role.expected) !== roles(b.roles, role.actual)) {
      differences.push(`${where}: roles are ${b.roles.join(", ")}, expected ${a.roles.join(", ")}`);
    }
    const clause = (text: string | null) => (text === null ? "none" : `(${text})`);
    if (a.using !== b.using) differences.push(`${where}: USING is ${clause(b.using)}, expected ${clause(a.using)}`);
    if (a.check !== b.check) {
      differences.push(`${where}: WITH CHECK is ${clause(b.check)}, expected ${clause(a.check)}`);
    }
  });
}

/** `constraints` without the NOT NULL ones `other` lacks: a missing NOT NULL is the column's difference. */
function notNullOnlyInBoth<T extends { type: string }>(constraints: Record<string, T>, other: Record<string, T>) {
  return Object.fromEntries(Object.entries(constraints).filter(([key, c]) => c.type !== "n" || key in other));
}

function generation(column: { identity: string; generated: string }): string {
  if (column.identity === "a") return "GENERATED ALWAYS AS IDENTITY";
  if (column.identity === "d") return "GENERATED BY DEFAULT AS IDENTITY";
  if (column.generated === "s") return "a stored generated column";
  if (column.generated === "v") return "a virtual generated column";
  return "a plain column";
}

const firing = (enabled: string) =>
  ({ O: "enabled", D: "disabled", R: "enabled for replicas only", A: "enabled always" })[enabled] ?? enabled;

/**
 * One difference per privilege that only one side grants, or grants with another grant option.
 * The owner's own privileges are compared as the owner's, whoever that is (its change is one difference).
 */
function compareAcl(
  on: string,
  expected: { owner: string; acl: Grant[] },
  actual: { owner: string; acl: Grant[] },
  role: Roles,
  differences: string[],
  noun = "privilege",
): void {
  const keyed = (side: { owner: string; acl: Grant[] }, own: (name: string) => string) =>
    new Map(
      side.acl.map((grant) => [
        `${grant.privilege} ${grant.grantee === side.owner ? OWNER : own(grant.grantee)}`,
        grant,
      ]),
    );
  const want = keyed(expected, role.expected);
  const have = keyed(actual, role.actual);
  const named = (grant: Grant) => `${noun} ${grant.privilege} ${on} to ${grant.grantee}`;
  for (const [key, grant] of want) {
    const found = have.get(key);
    if (!found) differences.push(`${named(grant)} is missing`);
    else if (found.grantable !== grant.grantable) {
      const grantable = (yes: boolean) => (yes ? "grantable" : "not grantable");
      differences.push(`${named(found)}: is ${grantable(found.grantable)}, expected ${grantable(grant.grantable)}`);
    }
  }
  for (const [key, grant] of have) {
    if (!want.has(key)) differences.push(`${named(grant)}${grant.grantable ? " WITH GRANT OPTION" : ""} is extra`);
  }
}

function compareNamed<T>(
  noun: string,
  expected: Record<string, T>,
  actual: Record<string, T>,
  differences: string[],
  compare: (name: string, expected: T, actual: T) => void,
): void {
  const [kind, of] = noun.split(/ (?=of |on )/);
  const place = (name: string) => (of ? `${kind} ${name} ${of}` : `${kind} ${name}`);
  for (const name of Object.keys(expected)) {
    const have = actual[name];
    if (have === undefined) differences.push(`${place(name)} is missing`);
    else compare(name, expected[name] as T, have);
  }
  for (const name of Object.keys(actual)) {
    if (!(name in expected)) differences.push(`${place(name)} is extra`);
  }
}
