import type {
  NewAgent,
  NewAuditEvent,
  NewBlocklistEntry,
  NewExtension,
  NewGroup,
  NewGroupExtension,
  NewReport,
} from "@devtools-sync/db";
import { groupOfAgent, type ScalePlan } from "./plan";
import { below, randomFrom, seedOf, sha256, skewedBelow, uuidOf } from "./random";

// Row generators for every table the hot paths read. Each entity is generated from its own seed,
// so a sample (for validation) costs no more than the rows it contains.

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const PUBLISHERS = 400;

/** `make`, remembering each index's value: ids are hashed once, however many rows name them. */
function remembered<T>(make: (index: number) => T): (index: number) => T {
  const known: T[] = [];
  return (index) => {
    let value = known[index];
    if (value === undefined) {
      value = make(index);
      known[index] = value;
    }
    return value;
  };
}

export const groupId = remembered((group) => uuidOf("group", group));
export const agentId = remembered((agent) => uuidOf("agent", agent));
export const extensionUuid = remembered((extension) => uuidOf("extension", extension));
export const userHashOf = remembered((agent) => sha256(`user-${agent}@fleet.example`));
export const extensionIdOf = (extension: number) => `publisher-${extension % PUBLISHERS}.extension-${extension}`;

const version = (random: () => number) => `${below(random, 5)}.${below(random, 40)}.${below(random, 20)}`;

/** The catalog's current version of an extension: what most agents run. */
const currentVersion = remembered((extension) => version(randomFrom(seedOf("extension-version", extension))));
const currentChecksum = remembered((extension) => sha256(`${extensionIdOf(extension)}@${currentVersion(extension)}`));

export function group(plan: ScalePlan, index: number, now: Date): NewGroup {
  return {
    id: groupId(index),
    name: `Fleet ${index + 1} (${plan.agentsPerGroup[index]} agents)`,
    description: index % 3 === 0 ? "Engineering workstations" : null,
    settings: { heartbeatSeconds: 60, reportBatch: 500 },
    createdAt: new Date(now.getTime() - 400 * DAY + index * MINUTE),
  };
}

/** Every 10th extension pins a version; 1 in 200 is blocked in the catalog. */
export function extension(index: number, now: Date): NewExtension {
  const random = randomFrom(seedOf("extension", index));
  return {
    id: extensionUuid(index),
    extensionId: extensionIdOf(index),
    name: `Extension ${index}`,
    publisher: `publisher-${index % PUBLISHERS}`,
    pinnedVersion: index % 10 === 3 ? currentVersion(index) : null,
    sha256Checksum: currentChecksum(index),
    marketplaceUrl: `https://marketplace.visualstudio.com/items?itemName=${extensionIdOf(index)}`,
    isBlocked: index % 200 === 199,
    createdAt: new Date(now.getTime() - below(random, 300) * DAY),
  };
}

/** Each group requires 3-12 popular extensions and recommends a few more. */
export function groupExtensionsOf(plan: ScalePlan, group: number): NewGroupExtension[] {
  const random = randomFrom(seedOf("group-extensions", group));
  const chosen = new Set<number>();
  const wanted = 5 + below(random, 10);
  while (chosen.size < wanted) chosen.add(skewedBelow(random, Math.min(100, plan.extensions)));
  return [...chosen].map((extension, i) => ({
    groupId: groupId(group),
    extensionId: extensionUuid(extension),
    isRequired: i < wanted - 2,
  }));
}

/** A fleet-wide blocklist of each pattern type. */
export function blocklistEntries(plan: ScalePlan): NewBlocklistEntry[] {
  return [
    ...Array.from({ length: 10 }, (_, i) => ({
      patternType: "exact" as const,
      pattern: extensionIdOf(plan.extensions - 1 - i * 7),
      reason: "Known malware",
      isActive: true,
    })),
    { patternType: "publisher", pattern: `publisher-${PUBLISHERS - 1}`, reason: "Untrusted publisher", isActive: true },
    {
      patternType: "publisher",
      pattern: `publisher-${PUBLISHERS - 2}`,
      reason: "Untrusted publisher",
      isActive: false,
    },
    { patternType: "regex", pattern: "^publisher-39[0-5]\\.", reason: "Crypto miners", isActive: true },
  ];
}

/** Most agents beat every minute; a few went quiet hours or days ago; some are inactive or disabled. */
export function agent(plan: ScalePlan, index: number, now: Date): NewAgent {
  const random = randomFrom(seedOf("agent", index));
  const roll = random();
  const silentFor =
    roll < 0.9 ? below(random, 5 * MINUTE) : roll < 0.98 ? below(random, 3 * DAY) : below(random, 60 * DAY);
  const group = groupOfAgent(plan, index);
  return {
    id: agentId(index),
    groupId: groupId(group),
    machineId: `m-${index.toString(16).padStart(8, "0")}`,
    userHash: userHashOf(index),
    displayName: `dev-${index}`,
    platform: roll < 0.5 ? "darwin" : roll < 0.85 ? "linux" : "win32",
    agentVersion: `1.${below(random, 8)}.${below(random, 4)}`,
    lastHeartbeat: new Date(now.getTime() - silentFor),
    lastSync: new Date(now.getTime() - silentFor - below(random, 10 * MINUTE)),
    status: roll > 0.995 ? "disabled" : silentFor > DAY ? "inactive" : "active",
    createdAt: new Date(now.getTime() - 200 * DAY + below(random, 100) * DAY),
  };
}

/**
 * The reports of one agent: 25-75 extensions, popular ones more often; 4% not installed, and 5%
 * of installs off the catalog's version.
 */
export function reportsOfAgent(plan: ScalePlan, index: number, now: Date): NewReport[] {
  const random = randomFrom(seedOf("reports", index));
  const count = Math.round(plan.reportsPerAgent * (0.5 + random()));
  const chosen = new Set<number>();
  while (chosen.size < Math.min(count, plan.extensions)) chosen.add(skewedBelow(random, plan.extensions));
  const base = {
    agentId: agentId(index),
    groupId: groupId(groupOfAgent(plan, index)),
    userHash: userHashOf(index),
    clientIp: `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`,
  };
  return [...chosen].map((extension) => {
    const installed = random() > 0.04;
    const offCatalog = random() < 0.05;
    const installedVersion = offCatalog ? version(random) : currentVersion(extension);
    const checksum = offCatalog
      ? sha256(`${extensionIdOf(extension)}@${installedVersion}`)
      : currentChecksum(extension);
    return {
      ...base,
      extensionId: extensionIdOf(extension),
      installed,
      installedVersion: installed ? installedVersion : null,
      extensionSha256: installed ? checksum : null,
      reportedAt: new Date(now.getTime() - below(random, 30 * DAY)),
    };
  });
}

const EVENTS = [
  ["report.submitted", "agent", "agent"],
  ["agent.heartbeat_missed", "system", "agent"],
  ["agent.registered", "agent", "agent"],
  ["extension.blocked", "user", "extension"],
  ["api_key.created", "user", "api_key"],
  ["group.settings_changed", "user", "group"],
  ["api_key.used", "api_key", "api_key"],
] as const;

const actorOf = { user: remembered((g) => uuidOf("user", g)), api_key: remembered((g) => uuidOf("api_key", g)) };
const targetOf = {
  extension: remembered((g) => uuidOf("extension", g)),
  api_key: actorOf.api_key,
  group: groupId,
};

/** Audit event `index`: its group drawn in proportion to group size, its time within 180 days. */
export function auditEvent(plan: ScalePlan, index: number, now: Date): NewAuditEvent {
  const random = randomFrom(seedOf("audit", index));
  const agent = below(random, plan.agents);
  const group = groupOfAgent(plan, agent);
  const [eventType, actorType, targetType] = EVENTS[skewedBelow(random, EVENTS.length)] as (typeof EVENTS)[number];
  return {
    eventType,
    actorType,
    actorId: actorType === "system" ? null : actorType === "agent" ? agentId(agent) : actorOf[actorType](group),
    groupId: groupId(group),
    targetType,
    targetId: targetType === "agent" ? agentId(agent) : targetOf[targetType](group),
    details: { source: "bench", sequence: index },
    clientIp: actorType === "system" ? null : `10.${(agent >> 16) & 255}.${(agent >> 8) & 255}.${agent & 255}`,
    userAgent: actorType === "agent" ? "devtools-sync-agent/1.4.2" : null,
    createdAt: new Date(now.getTime() - below(random, 180 * DAY)),
  };
}
