// The rule editor's logic: operators by field type, value inputs by shape, the JSON the admin API takes,
// and the server's "path: reason" errors. The rule language itself is the server's (GET /api/admin/fields).
import type { ActionInfo, FieldInfo, HolidaySource, Rule, RuleAction, RuleKind, RuleLanguage } from "./types";

/** One condition as the form edits it: `value` holds text (lists comma-separated), `values` picked choices. */
export interface ConditionRow {
  field: string;
  op: string;
  value: string;
  values: string[];
}

export interface ActionRow {
  kind: string;
  value: string;
  templates: Record<TemplateLang, string>;
  subject: string;
}

export const TEMPLATE_LANGS = ["it", "en", "default"] as const;
export type TemplateLang = (typeof TEMPLATE_LANGS)[number];

export interface RuleFormValues {
  name: string;
  enabled: boolean;
  events: string[];
  all: ConditionRow[];
  any: ConditionRow[];
  actions: ActionRow[];
}

/** The fields a rule of `kind` may test. */
export function fieldsFor(language: RuleLanguage, kind: RuleKind): FieldInfo[] {
  return language.fields.filter((f) => f.kinds.includes(kind));
}

export function fieldInfo(language: RuleLanguage, field: string): FieldInfo | undefined {
  return language.fields.find((f) => f.name === field);
}

/** The operators that apply to a field, by its type; none for an unknown field. */
export function operatorsFor(language: RuleLanguage, field: string): string[] {
  const info = fieldInfo(language, field);
  return info ? Object.keys(language.operators[info.type] ?? {}) : [];
}

/** What kind of value an operator on a field takes: text, words, choice, choices, tag, tags, flag, number, none. */
export function valueShape(language: RuleLanguage, field: string, op: string): string {
  const info = fieldInfo(language, field);
  if (!info) return "none";
  return language.operators[info.type]?.[op] ?? "none";
}

export function actionsFor(language: RuleLanguage, kind: RuleKind): ActionInfo[] {
  return language.actions.filter((a) => a.kinds.includes(kind));
}

export function actionInfo(language: RuleLanguage, kind: string): ActionInfo | undefined {
  return language.actions.find((a) => a.kind === kind);
}

/** "a, b ,, c" → ["a", "b", "c"] */
export function splitList(text: string): string[] {
  return text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/** A new condition on `field`: its first operator, an empty value of that operator's shape. */
export function newCondition(language: RuleLanguage, field: string): ConditionRow {
  const op = operatorsFor(language, field)[0] ?? "";
  return withDefaults(language, { field, op, value: "", values: [] });
}

/** Keeps a row's value sensible after its field or operator changed (an operator the field has not → its first). */
export function withDefaults(language: RuleLanguage, row: ConditionRow): ConditionRow {
  const ops = operatorsFor(language, row.field);
  const op = ops.includes(row.op) ? row.op : (ops[0] ?? "");
  const shape = valueShape(language, row.field, op);
  const choices = fieldInfo(language, row.field)?.choices ?? [];
  let value = row.value;
  if (shape === "choice" && !choices.includes(value)) value = choices[0] ?? "";
  if (shape === "flag" && value !== "true" && value !== "false") value = "true";
  const values = shape === "choices" ? row.values.filter((v) => choices.includes(v)) : [];
  return { field: row.field, op, value: shape === "none" ? "" : value, values };
}

/** The condition's JSON. A number that does not parse goes as typed: the server names it. */
export function conditionToData(language: RuleLanguage, row: ConditionRow): Record<string, unknown> {
  const shape = valueShape(language, row.field, row.op);
  const data: Record<string, unknown> = { field: row.field, op: row.op };
  switch (shape) {
    case "none":
      return data;
    case "words":
    case "tags":
      data.value = splitList(row.value);
      return data;
    case "choices":
      data.value = row.values;
      return data;
    case "flag":
      data.value = row.value === "true";
      return data;
    case "number": {
      const n = Number(row.value);
      data.value = row.value.trim() !== "" && Number.isFinite(n) ? n : row.value;
      return data;
    }
    default:
      data.value = row.value;
      return data;
  }
}

function listText(value: unknown): string {
  return Array.isArray(value) ? value.map(String).join(", ") : value == null ? "" : String(value);
}

export function conditionRow(language: RuleLanguage, c: { field: string; op: string; value?: unknown }): ConditionRow {
  const shape = valueShape(language, c.field, c.op);
  if (shape === "choices") return { field: c.field, op: c.op, value: "", values: Array.isArray(c.value) ? c.value.map(String) : [] };
  if (shape === "flag") return { field: c.field, op: c.op, value: c.value === false ? "false" : "true", values: [] };
  return { field: c.field, op: c.op, value: listText(c.value), values: [] };
}

export function newAction(language: RuleLanguage, kind: string): ActionRow {
  const info = actionInfo(language, kind);
  return {
    kind,
    value: info?.value === "choice" ? (info.choices[0] ?? "") : "",
    templates: { it: "", en: "", default: "" },
    subject: "",
  };
}

export function actionRow(a: RuleAction): ActionRow {
  const templates = { it: "", en: "", default: "" };
  for (const lang of TEMPLATE_LANGS) templates[lang] = a.templates?.[lang] ?? "";
  return { kind: a.kind, value: listText(a.value), templates, subject: a.subject ?? "" };
}

export function actionToData(language: RuleLanguage, row: ActionRow): Record<string, unknown> {
  const shape = actionInfo(language, row.kind)?.value ?? "none";
  const data: Record<string, unknown> = { kind: row.kind };
  switch (shape) {
    case "choice":
    case "group":
      data.value = row.value;
      break;
    case "agent":
      data.value = row.value === "" ? null : row.value;
      break;
    case "tags":
      data.value = splitList(row.value);
      break;
    case "templates":
    case "templates_subject": {
      const templates: Record<string, string> = {};
      for (const lang of TEMPLATE_LANGS) if (row.templates[lang].trim() !== "") templates[lang] = row.templates[lang];
      data.templates = templates;
      if (shape === "templates_subject") data.subject = row.subject;
      break;
    }
  }
  return data;
}

export function emptyRule(language: RuleLanguage, kind: RuleKind): RuleFormValues {
  return {
    name: "",
    enabled: true,
    events: kind === "trigger" ? [...language.events] : [],
    all: kind === "automation" ? [newCondition(language, "ticket.hours_since_update")] : [],
    any: [],
    actions: [],
  };
}

export function formValues(language: RuleLanguage, rule: Rule): RuleFormValues {
  return {
    name: rule.name,
    enabled: rule.enabled,
    events: rule.events ?? [],
    all: rule.conditions.all.map((c) => conditionRow(language, c)),
    any: rule.conditions.any.map((c) => conditionRow(language, c)),
    actions: rule.actions.map(actionRow),
  };
}

/** The body of POST/PUT /api/admin/rules/{kind}[/{id}]. */
export function ruleToData(language: RuleLanguage, kind: RuleKind, form: RuleFormValues): Record<string, unknown> {
  const data: Record<string, unknown> = {
    name: form.name,
    enabled: form.enabled,
    conditions: {
      all: form.all.map((c) => conditionToData(language, c)),
      any: form.any.map((c) => conditionToData(language, c)),
    },
    actions: form.actions.map((a) => actionToData(language, a)),
  };
  if (kind === "trigger") data.events = form.events;
  return data;
}

/** A rule as it was read, ready to send back (to switch it on or off, say). */
export function ruleBody(rule: Rule): Record<string, unknown> {
  const data: Record<string, unknown> = {
    name: rule.name,
    enabled: rule.enabled,
    position: rule.position,
    conditions: rule.conditions,
    actions: rule.actions,
  };
  if (rule.kind === "trigger") data.events = rule.events;
  return data;
}

/** Splits "conditions.all[0].value: 'x' is not one of …" into its path and reason; no path → "". */
export function splitError(message: string): { path: string; reason: string } {
  const m = /^([a-z_]+(?:\[\d+\]|\.[a-z_]+)*): (.*)$/s.exec(message);
  return m ? { path: m[1], reason: m[2] } : { path: "", reason: message };
}

/** The form row a path points at: "conditions.any[2].op" → "any-2", "actions[1].templates.en" → "action-1". */
export function rowOfPath(path: string): string | null {
  const c = /^conditions\.(all|any)\[(\d+)\]/.exec(path);
  if (c) return `${c[1]}-${c[2]}`;
  const a = /^actions\[(\d+)\]/.exec(path);
  return a ? `action-${a[1]}` : null;
}

/** The items (rule ids, SLA policies) in the new order after moving `item` one step up (-1) or down (+1); unchanged at either end. */
export function moved<T>(items: readonly T[], item: T, step: -1 | 1): T[] {
  const i = items.indexOf(item);
  const j = i + step;
  if (i < 0 || j < 0 || j >= items.length) return [...items];
  const next = [...items];
  [next[i], next[j]] = [next[j], next[i]];
  return next;
}

/** "09:00-13:00, 14:00-18:00" ↔ [["09:00","13:00"],["14:00","18:00"]] for the calendar form. */
export function windowsText(windows: [string, string][]): string {
  return windows.map(([a, b]) => `${a}-${b}`).join(", ");
}

/** The calendar form's country and region inputs as the server's holidays object: empty means none (a
 * region without a country is sent as is, for the server to name the problem). */
export function holidaySource(country: string, region: string): HolidaySource {
  return { country: country.trim().toUpperCase() || null, region: region.trim() || null };
}

export function parseWindows(text: string): [string, string][] {
  return splitList(text).map((part) => {
    const [start, end] = part.split("-").map((s) => s.trim());
    return [start ?? "", end ?? ""];
  });
}
