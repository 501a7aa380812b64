// What routing recorded on a ticket, as an agent reads it: why it was assigned, what each decision was.
import type { TicketEvent } from "./types";

function byTime(events: TicketEvent[]): TicketEvent[] {
  return events
    .map((e, i) => ({ e, i, at: Date.parse(e.created_at) || 0 }))
    .sort((a, b) => a.at - b.at || a.i - b.i)
    .map((x) => x.e);
}

function text(value: unknown): string {
  return typeof value === "string" ? value : "";
}

/** The reason of the latest routing decision on the assignee, or null when routing made none. */
export function assignmentReason(events: TicketEvent[]): string | null {
  const decisions = byTime(events ?? []).filter((e) => e.kind === "routing_decided" && e.data?.field === "assignee");
  const last = decisions[decisions.length - 1];
  const reason = last ? text(last.data.reason) : "";
  return reason.trim() === "" ? null : reason;
}

/** The parts of a routing event worth a line in the history: which field, its value, and why. */
export interface RoutingLine {
  field: string | null;
  value: string | null;
  detail: string;
}

export function routingLine(event: TicketEvent): RoutingLine | null {
  const d = event.data ?? {};
  switch (event.kind) {
    case "routing_decided": {
      const value = d.value;
      return {
        field: text(d.field) || null,
        value: value === null || value === undefined ? null : Array.isArray(value) ? value.join(", ") : String(value),
        detail: text(d.reason),
      };
    }
    case "trigger_fired":
      return { field: null, value: null, detail: text(d.rule_name) || text(d.rule_id) };
    case "routing_failed":
      return { field: null, value: null, detail: [text(d.step), text(d.error)].filter(Boolean).join(": ") };
    default:
      return null;
  }
}
