// The SLA policy editor's logic: the form's values from a policy and back (the body of PUT /api/admin/sla),
// the part of the form a server error names, and the line that sums a policy up in the list.
import { actionRow, actionToData, actionsFor, type ActionRow } from "./ruleForm";
import {
  PRIORITIES,
  SLA_TARGETS,
  type ActionInfo,
  type Priority,
  type RuleLanguage,
  type SlaPolicy,
  type SlaPolicyInput,
  type SlaTargetName,
} from "./types";

/** One cell of the targets grid: minutes as typed ("" = no target) and which clock counts them. */
export interface TargetCell {
  minutes: string;
  business: boolean;
}

export type TargetGrid = Record<Priority, Record<SlaTargetName, TargetCell>>;

export interface PolicyFormValues {
  name: string;
  enabled: boolean;
  channels: string[];
  groups: string[];
  tiers: string[];
  targets: TargetGrid;
  warningPercent: string;
  escalation: ActionRow[];
}

/** The grid's rows, most urgent first, as an admin reads a table of response times. */
export const GRID_PRIORITIES: readonly Priority[] = [...PRIORITIES].reverse();

export const DEFAULT_WARNING_PERCENT = 75;

function grid(cell: (priority: Priority, target: SlaTargetName) => TargetCell): TargetGrid {
  const rows = {} as TargetGrid;
  for (const priority of PRIORITIES) {
    rows[priority] = {} as Record<SlaTargetName, TargetCell>;
    for (const target of SLA_TARGETS) rows[priority][target] = cell(priority, target);
  }
  return rows;
}

export function emptyPolicy(): PolicyFormValues {
  return {
    name: "",
    enabled: true,
    channels: [],
    groups: [],
    tiers: [],
    targets: grid(() => ({ minutes: "", business: true })),
    warningPercent: String(DEFAULT_WARNING_PERCENT),
    escalation: [],
  };
}

export function policyForm(policy: SlaPolicy): PolicyFormValues {
  return {
    name: policy.name,
    enabled: policy.enabled,
    channels: policy.conditions?.channels ?? [],
    groups: policy.conditions?.groups ?? [],
    tiers: policy.conditions?.tiers ?? [],
    targets: grid((priority, target) => {
      const set = policy.targets?.[priority]?.[target];
      return set ? { minutes: String(set.minutes), business: set.business } : { minutes: "", business: true };
    }),
    warningPercent: String(policy.warning_percent ?? DEFAULT_WARNING_PERCENT),
    escalation: (policy.escalation ?? []).map(actionRow),
  };
}

/** A number typed in the form, or the text as typed when it is none: the server names what is wrong with it. */
function typedNumber(text: string): number | string {
  const n = Number(text.trim());
  return text.trim() !== "" && Number.isFinite(n) ? n : text;
}

/** The policy the form describes; `id` is the edited policy's (a new one gets its id from the server). */
export function policyInput(language: RuleLanguage, form: PolicyFormValues, id?: string): SlaPolicyInput {
  const targets: SlaPolicyInput["targets"] = {};
  for (const priority of PRIORITIES) {
    for (const target of SLA_TARGETS) {
      const cell = form.targets[priority][target];
      if (cell.minutes.trim() === "") continue;
      targets[priority] = { ...targets[priority], [target]: { minutes: typedNumber(cell.minutes), business: cell.business } };
    }
  }
  const conditions: SlaPolicyInput["conditions"] = {};
  if (form.channels.length) conditions.channels = form.channels;
  if (form.groups.length) conditions.groups = form.groups;
  if (form.tiers.length) conditions.tiers = form.tiers;
  return {
    ...(id ? { id } : {}),
    name: form.name,
    enabled: form.enabled,
    conditions,
    targets,
    warning_percent: typedNumber(form.warningPercent),
    escalation: form.escalation.map((row) => actionToData(language, row)),
  };
}

/** The list with policy `index` replaced by `policy` (or `policy` added at the end when index is null). */
export function withPolicy<T>(policies: readonly T[], index: number | null, policy: T): T[] {
  return index === null ? [...policies, policy] : policies.map((p, i) => (i === index ? policy : p));
}

/**
 * Which part of policy `index`'s form a server error path names: "name", "enabled", "warning_percent",
 * "conditions.channels", "targets.urgent.first_reply", "escalation[1]", or "" for the policy as a whole;
 * null when the path is not about that policy.
 */
export function problemSpot(path: string, index: number): string | null {
  const prefix = `policies[${index}]`;
  if (path === prefix) return "";
  if (!path.startsWith(`${prefix}.`)) return null;
  const rest = path.slice(prefix.length + 1);
  const spot = /^(targets\.[a-z_]+\.[a-z_]+|escalation\[\d+\]|conditions\.[a-z_]+|[a-z_]+)/.exec(rest);
  return spot ? spot[1] : rest;
}

/** The index of the escalation row a spot names ("escalation[2]" → 2), or null. */
export function escalationIndex(spot: string | null): number | null {
  const m = /^escalation\[(\d+)\]$/.exec(spot ?? "");
  return m ? Number(m[1]) : null;
}

/** How many targets a policy sets, over every priority. */
export function targetCount(policy: SlaPolicy): number {
  return Object.values(policy.targets ?? {}).reduce((n, byTarget) => n + Object.keys(byTarget ?? {}).length, 0);
}

/**
 * The actions an escalation may take: the automations' (what can be done to a ticket when no request
 * just came in, as the server validates them), unless the rule language names actions for SLAs.
 */
export function escalationActions(language: RuleLanguage): ActionInfo[] {
  const sla = language.actions.filter((a) => a.kinds.includes("sla"));
  return sla.length > 0 ? sla : actionsFor(language, "automation");
}
