// SLA clocks as an agent reads them: time left as "1h 20m", its colour, the target that matters most,
// and the SLA lines of the ticket history. Pure functions; the components only render what they return.
import { dateTime } from "./format";
import { optionKey, type Lang, type MessageKey, type Translate } from "./i18n";
import type { SlaState, SlaTargetName, SlaTargetView, SlaView, TicketEvent } from "./types";

/** How often countdowns re-render: their finest unit is the minute, so twice a minute keeps them true. */
export const SLA_TICK_MS = 30_000;

/** Below this much time left a running target turns amber even before its warning time. */
export const SLA_AMBER_SECONDS = 3600;

/** What a countdown needs: a list's badge has these fields, a ticket's target view has them and more. */
export interface Countdown {
  target: SlaTargetName;
  state: SlaState;
  due_at: string | null;
  left_seconds: number | null;
  business: boolean;
  warn_at?: string | null;
  met_at?: string | null;
  cycle?: number;
  /** Client time (ms) the answer arrived; without it the countdown stays at the server's figure. */
  received_at?: number;
}

/** ok = green, warning = amber, breached = red, paused = grey, met = a check. */
export type SlaTone = "ok" | "warning" | "breached" | "paused" | "met";

/**
 * Seconds left now (negative: overdue); null when the target is met. A paused clock does not move.
 * A running one ticks down in wall-clock time from when the answer arrived, which is exact while the
 * desk is open; business time stops while it is closed, which the client cannot see. The due instant
 * bounds the error: the target is overdue exactly once it has passed, and never by more than the time
 * since. So a countdown left open overnight rests at zero instead of turning red too early; the next
 * load of the page puts its figure right.
 */
export function secondsLeft(c: Countdown, now: number): number | null {
  if (c.state === "met" || c.left_seconds === null) return null;
  if (c.state === "paused" || c.received_at === undefined) return c.left_seconds;
  const ticked = c.left_seconds - Math.max(0, now - c.received_at) / 1000;
  const due = c.due_at ? Date.parse(c.due_at) : Number.NaN;
  return Number.isNaN(due) ? ticked : Math.max(ticked, Math.min(0, (due - now) / 1000));
}

export function slaTone(c: Countdown, now: number): SlaTone {
  if (c.state === "met") return "met";
  if (c.state === "paused") return "paused";
  const left = secondsLeft(c, now);
  if (c.state === "breached" || (left !== null && left < 0)) return "breached";
  const warnAt = c.warn_at ? Date.parse(c.warn_at) : Number.NaN;
  if ((left !== null && left <= SLA_AMBER_SECONDS) || now >= warnAt) return "warning";
  return "ok";
}

/** "2d 3h", "1h 20m", "45m", "<1m" (days of 24 hours; the caller says whether they are business hours). */
export function formatDuration(seconds: number, t: Translate): string {
  const minutes = Math.floor(Math.abs(seconds) / 60);
  if (minutes === 0) return t("sla.underMinute");
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  const parts =
    days > 0
      ? [t("sla.days", { n: days }), hours > 0 ? t("sla.hours", { n: hours }) : ""]
      : hours > 0
        ? [t("sla.hours", { n: hours }), mins > 0 ? t("sla.minutes", { n: mins }) : ""]
        : [t("sla.minutes", { n: mins })];
  return parts.filter(Boolean).join(" ");
}

/**
 * Time left with its sign: "1h 20m", or "−15m" once overdue. An overdue clock counts whole minutes
 * started, so it reads "−1m" from its first overdue second rather than a "−<1m" nobody would parse.
 */
export function formatLeft(seconds: number, t: Translate): string {
  if (seconds >= 0) return formatDuration(seconds, t);
  return `−${formatDuration(Math.ceil(-seconds / 60) * 60, t)}`;
}

/** The badge's text: the time left, "paused", or a check once met. */
export function badgeText(c: Countdown, now: number, t: Translate): string {
  if (c.state === "met") return "✓";
  if (c.state === "paused") return t("sla.paused");
  const left = secondsLeft(c, now);
  return left === null ? "" : formatLeft(left, t);
}

export function targetName(t: Translate, target: string, cycle?: number): string {
  const key = optionKey("slaTarget", target);
  const name = key ? t(key) : target;
  return cycle !== undefined && cycle > 1 ? `${name} ${t("sla.cycle", { cycle })}` : name;
}

export function stateName(t: Translate, state: string): string {
  const key = optionKey("slaState", state);
  return key ? t(key) : state;
}

/** The tooltip: which target, when it is due in local time, and whether its clock counts business hours. */
export function badgeTitle(c: Countdown, now: number, t: Translate, lang: Lang): string {
  const target = targetName(t, c.target, c.cycle);
  let what: string;
  if (c.state === "met") {
    what = c.met_at ? t("sla.metAtTitle", { target, at: dateTime(c.met_at, lang) }) : t("sla.metTitle", { target });
  } else if (c.state === "paused" || !c.due_at) {
    const left = secondsLeft(c, now);
    what = t("sla.pausedTitle", { target, left: left === null ? "—" : formatLeft(left, t) });
  } else {
    const due = dateTime(c.due_at, lang);
    what = slaTone(c, now) === "breached" ? t("sla.overdueTitle", { target, due }) : t("sla.dueTitle", { target, due });
  }
  return `${what} · ${t(c.business ? "sla.businessHours" : "sla.calendarTime")}`;
}

const RANK: Record<SlaState, number> = { breached: 0, running: 0, paused: 1, met: 2 };

/**
 * The target a ticket's badge shows: of the clocks still running (breached ones included), the one with
 * the least time left; else a paused one; else, all met, the last one met. Null without targets.
 */
export function mostUrgent(targets: readonly SlaTargetView[]): SlaTargetView | null {
  let best: SlaTargetView | null = null;
  for (const target of targets) {
    if (best === null || moreUrgent(target, best)) best = target;
  }
  return best;
}

function moreUrgent(a: SlaTargetView, b: SlaTargetView): boolean {
  if (RANK[a.state] !== RANK[b.state]) return RANK[a.state] < RANK[b.state];
  if (a.state === "met") return (Date.parse(a.met_at ?? "") || 0) > (Date.parse(b.met_at ?? "") || 0);
  return (a.left_seconds ?? Infinity) < (b.left_seconds ?? Infinity);
}

/** A target of the ticket's SLA view, with the time its answer arrived, as a countdown. */
export function targetCountdown(view: SlaView, target: SlaTargetView): Countdown {
  return { ...target, received_at: view.received_at };
}

function text(value: unknown): string {
  return typeof value === "string" ? value : "";
}

/** An SLA event of the history as a sentence; null for the events of other parts of the desk. */
export function slaEventLine(event: TicketEvent, t: Translate, lang: Lang): string | null {
  const d = event.data ?? {};
  const cycle = typeof d.cycle === "number" ? d.cycle : undefined;
  const target = targetName(t, text(d.target), cycle);
  const due = text(d.due_at) ? dateTime(text(d.due_at), lang) : "—";
  let line: string;
  switch (event.kind) {
    case "sla_alerted":
      line = t(d.threshold === "breach" ? "sla.history.breach" : "sla.history.warning", { target, due });
      break;
    case "sla_escalated": {
      // The kinds of the actions taken: "set_priority", "notify", …
      const kinds = (Array.isArray(d.actions) ? d.actions : []).map((kind) => actionLabel(t, text(kind)));
      line = kinds.length > 0 ? t("sla.history.escalatedWith", { target, actions: kinds.join(", ") }) : t("sla.history.escalated", { target });
      break;
    }
    default:
      return null;
  }
  return text(d.policy) ? `${line} · ${t("sla.policy", { name: text(d.policy) })}` : line;
}

function actionLabel(t: Translate, kind: string): string {
  const key: MessageKey | null = optionKey("ruleAction", kind);
  return key ? t(key) : kind;
}
