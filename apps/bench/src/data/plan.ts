import { UsageError } from "../cli-main";

/** How many rows of each kind a scale holds; scale 1 is a large production fleet. */
export interface ScalePlan {
  scale: number;
  groups: number;
  /** Agents of each group, largest first: a few huge groups and a long tail of small ones. */
  agentsPerGroup: number[];
  /** Index of each group's first agent in the fleet-wide agent numbering. */
  firstAgentOfGroup: number[];
  agents: number;
  extensions: number;
  /** Average reports per agent; each agent draws between half and one and a half of it. */
  reportsPerAgent: number;
  auditEvents: number;
}

const AT_SCALE_1 = { groups: 1_000, agents: 100_000, reportsPerAgent: 50, auditEvents: 1_000_000, extensions: 2_000 };

/** The `--scale` flag's value as a number, or a usage error naming the flag. */
export function scaleFlag(text: string): number {
  const scale = Number(text);
  if (text.trim() === "" || !(scale > 0) || !Number.isFinite(scale)) {
    throw new UsageError(`--scale must be a positive number (1 = 100,000 agents, 5,000,000 reports), got "${text}"`);
  }
  return scale;
}

/** The sizes for `scale` (0 < scale). Group sizes follow Zipf's law: group k gets ~1/k of the share. */
export function planFor(scale: number): ScalePlan {
  if (!(scale > 0) || !Number.isFinite(scale)) throw new Error(`a scale must be a positive number, got ${scale}`);
  const groups = Math.max(20, Math.round(AT_SCALE_1.groups * scale));
  const agents = Math.max(groups * 2, Math.round(AT_SCALE_1.agents * scale));
  const weights = Array.from({ length: groups }, (_, k) => 1 / (k + 1));
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  const agentsPerGroup = weights.map((weight) => Math.max(1, Math.floor((agents * weight) / total)));
  let missing = agents - agentsPerGroup.reduce((sum, n) => sum + n, 0);
  for (let k = 0; missing > 0; k = (k + 1) % groups, missing--) agentsPerGroup[k] = (agentsPerGroup[k] as number) + 1;
  const firstAgentOfGroup: number[] = [];
  agentsPerGroup.reduce((first, n) => {
    firstAgentOfGroup.push(first);
    return first + n;
  }, 0);
  return {
    scale,
    groups,
    agentsPerGroup,
    firstAgentOfGroup,
    agents: agentsPerGroup.reduce((sum, n) => sum + n, 0),
    extensions: Math.min(AT_SCALE_1.extensions, Math.max(200, Math.round(AT_SCALE_1.extensions * scale * 10))),
    reportsPerAgent: AT_SCALE_1.reportsPerAgent,
    auditEvents: Math.max(100, Math.round(AT_SCALE_1.auditEvents * scale)),
  };
}

/** The group agent `agentIndex` belongs to. */
export function groupOfAgent(plan: ScalePlan, agentIndex: number): number {
  let low = 0;
  let high = plan.groups - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if ((plan.firstAgentOfGroup[mid] as number) <= agentIndex) low = mid;
    else high = mid - 1;
  }
  return low;
}
