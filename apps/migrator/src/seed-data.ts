import { createHash } from "node:crypto";
import type {
  NewAgent,
  NewApiKey,
  NewBlocklistEntry,
  NewExtension,
  NewGroup,
  NewGroupExtension,
  NewReport,
  NewUser,
} from "@devtools-sync/db";

// The development data of the seed plan's task 10 (shared/seeds/000_*, 000010_seed_data.up.sql),
// with its fixed UUIDs, made consistent with what the services will check:
// - password_hash: a genuine bcrypt hash (cost 10) of the stated password, computed offline with
//   libxcrypt's crypt(3) and checked against PostgreSQL's pgcrypto in seed.test.ts. The seed's
//   own string was not a hash of it.
// - api_keys.key_hash: SHA-256 (hex) of the stated keys; key_prefix: their first 8 characters.
// - user_hash: SHA-256 (hex) of the user's identity (e-mail); machine_id: 64 hex characters,
//   SHA-256 of a machine name, as agents derive them.
// Rows the seed gave no id (group_extensions, reports, blocklist) get fixed ones here, so a
// second run finds them and every developer has the same rows.

/** The password of both development users. */
export const DEV_PASSWORD = "devpassword123";
/** bcrypt ($2a$, cost 10) of DEV_PASSWORD. */
export const DEV_PASSWORD_BCRYPT = "$2a$10$KuggKmUHwHJKplJSeqIPuujYQAFP6xxSTsphbOjOJrcxftwb7VQWG";
/** The plaintext development API keys, by group. */
export const DEV_API_KEYS = { engineering: "devkey-engineering-001", design: "devkey-design-001" } as const;

export const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

const ADMIN = "11111111-1111-1111-1111-111111111111";
const VIEWER = "22222222-2222-2222-2222-222222222222";
const ENGINEERING = "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa";
const DESIGN = "bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb";
const PYTHON = "cccccccc-cccc-cccc-cccc-cccccccccccc";
const GO = "dddddddd-dddd-dddd-dddd-dddddddddddd";
const PRETTIER = "eeeeeeee-eeee-eeee-eeee-eeeeeeeeeeee";
const ESLINT = "ffffffff-ffff-ffff-ffff-ffffffffffff";
const GITLENS = "00000000-0000-0000-0000-000000000001";
const LAPTOP = "33333333-3333-3333-3333-333333333333";
const MAC = "44444444-4444-4444-4444-444444444444";

const engineer = sha256("engineer@example.com");
const designer = sha256("designer@example.com");

const marketplace = (extensionId: string) => `https://marketplace.visualstudio.com/items?itemName=${extensionId}`;

/** One table's rows, in insert order (parents before children). */
export interface SeedTable<Row> {
  table: string;
  rows: Row[];
}

export const seedData = {
  users: [
    {
      id: ADMIN,
      email: "admin@example.com",
      passwordHash: DEV_PASSWORD_BCRYPT,
      displayName: "Admin User",
      role: "admin",
    },
    {
      id: VIEWER,
      email: "viewer@example.com",
      passwordHash: DEV_PASSWORD_BCRYPT,
      displayName: "Viewer User",
      role: "viewer",
    },
  ] satisfies NewUser[],
  groups: [
    { id: ENGINEERING, name: "Engineering", description: "Software engineering team" },
    { id: DESIGN, name: "Design", description: "Design and UX team" },
  ] satisfies NewGroup[],
  extensions: [
    { id: PYTHON, extensionId: "ms-python.python", name: "Python", publisher: "Microsoft" },
    { id: GO, extensionId: "golang.go", name: "Go", publisher: "Go Team at Google" },
    { id: PRETTIER, extensionId: "esbenp.prettier-vscode", name: "Prettier", publisher: "Prettier" },
    { id: ESLINT, extensionId: "dbaeumer.vscode-eslint", name: "ESLint", publisher: "Microsoft" },
    { id: GITLENS, extensionId: "eamodio.gitlens", name: "GitLens", publisher: "GitKraken" },
  ].map((extension) => ({ ...extension, marketplaceUrl: marketplace(extension.extensionId) })) satisfies NewExtension[],
  groupExtensions: [
    { id: "99999999-9999-9999-9999-999999999901", groupId: ENGINEERING, extensionId: PYTHON, isRequired: true },
    { id: "99999999-9999-9999-9999-999999999902", groupId: ENGINEERING, extensionId: GO, isRequired: true },
    { id: "99999999-9999-9999-9999-999999999903", groupId: ENGINEERING, extensionId: PRETTIER, isRequired: true },
    { id: "99999999-9999-9999-9999-999999999904", groupId: ENGINEERING, extensionId: GITLENS, isRequired: false },
    { id: "99999999-9999-9999-9999-999999999905", groupId: DESIGN, extensionId: PRETTIER, isRequired: true },
    { id: "99999999-9999-9999-9999-999999999906", groupId: DESIGN, extensionId: ESLINT, isRequired: true },
    { id: "99999999-9999-9999-9999-999999999907", groupId: DESIGN, extensionId: GITLENS, isRequired: false },
  ].map((row) => ({ ...row, addedBy: ADMIN })) satisfies NewGroupExtension[],
  agents: [
    {
      id: LAPTOP,
      groupId: ENGINEERING,
      machineId: sha256("machine:dev-laptop-1"),
      userHash: engineer,
      displayName: "Dev Laptop 1",
      platform: "linux",
      status: "active",
    },
    {
      id: MAC,
      groupId: DESIGN,
      machineId: sha256("machine:design-mac-1"),
      userHash: designer,
      displayName: "Design Mac 1",
      platform: "darwin",
      status: "active",
    },
  ] satisfies NewAgent[],
  apiKeys: [
    {
      id: "55555555-5555-5555-5555-555555555555",
      groupId: ENGINEERING,
      key: DEV_API_KEYS.engineering,
      name: "Engineering Dev Key",
    },
    { id: "66666666-6666-6666-6666-666666666666", groupId: DESIGN, key: DEV_API_KEYS.design, name: "Design Dev Key" },
  ].map(({ key, ...row }) => ({
    ...row,
    createdBy: ADMIN,
    keyHash: sha256(key),
    keyPrefix: key.slice(0, 8),
    scopes: "agent",
  })) satisfies NewApiKey[],
  reports: [
    {
      n: 1,
      agentId: LAPTOP,
      groupId: ENGINEERING,
      extensionId: "ms-python.python",
      userHash: engineer,
      installed: true,
      installedVersion: "2024.1.0",
    },
    {
      n: 2,
      agentId: LAPTOP,
      groupId: ENGINEERING,
      extensionId: "golang.go",
      userHash: engineer,
      installed: true,
      installedVersion: "0.40.0",
    },
    {
      n: 3,
      agentId: LAPTOP,
      groupId: ENGINEERING,
      extensionId: "esbenp.prettier-vscode",
      userHash: engineer,
      installed: false,
      installedVersion: null,
    },
    {
      n: 4,
      agentId: MAC,
      groupId: DESIGN,
      extensionId: "esbenp.prettier-vscode",
      userHash: designer,
      installed: true,
      installedVersion: "10.0.0",
    },
    {
      n: 5,
      agentId: MAC,
      groupId: DESIGN,
      extensionId: "dbaeumer.vscode-eslint",
      userHash: designer,
      installed: true,
      installedVersion: "2.4.0",
    },
  ].map(({ n, ...row }) => ({ id: `88888888-8888-8888-8888-88888888880${n}`, ...row })) satisfies NewReport[],
  blocklist: [
    {
      id: "77777777-7777-7777-7777-777777777777",
      patternType: "exact",
      pattern: "malicious.bad-extension",
      reason: "Known malware - reported by security team",
      createdBy: ADMIN,
      isActive: true,
    },
  ] satisfies NewBlocklistEntry[],
};

/** Table names and rows in insert order, keys as the tables' SQL column names. */
export function seedTables(): SeedTable<Record<string, unknown>>[] {
  const tables: [string, object[]][] = [
    ["users", seedData.users],
    ["groups", seedData.groups],
    ["extensions", seedData.extensions],
    ["group_extensions", seedData.groupExtensions],
    ["agents", seedData.agents],
    ["api_keys", seedData.apiKeys],
    ["reports", seedData.reports],
    ["blocklist", seedData.blocklist],
  ];
  return tables.map(([table, rows]) => ({
    table,
    rows: rows.map((row) =>
      Object.fromEntries(
        Object.entries(row).map(([key, value]) => [key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), value]),
      ),
    ),
  }));
}
