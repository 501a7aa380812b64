import { describe, expect, it } from "vitest";
import { assignmentReason, routingLine } from "./routingEvents";
import type { TicketEvent } from "./types";

const event = (kind: string, data: Record<string, unknown>, at: string): TicketEvent => ({
  id: `${kind}-${at}`,
  kind,
  actor: "routing",
  data,
  created_at: at,
});

describe("assignment reason", () => {
  it("is the latest routing decision on the assignee", () => {
    const events = [
      event("routing_decided", { step: "assign", field: "assignee", value: "a1", reason: "round robin: Anna" }, "2026-12-02T09:00:00Z"),
      event("routing_decided", { step: "classify", field: "priority", value: "urgent", reason: "matched 'bloccato'" }, "2026-12-02T09:05:00Z"),
      event("routing_decided", { step: "assign", field: "assignee", value: null, reason: "Anna went offline" }, "2026-12-02T10:00:00Z"),
      event("message_added", {}, "2026-12-02T11:00:00Z"),
    ];
    expect(assignmentReason([...events].reverse())).toBe("Anna went offline");
  });

  it("is null when routing decided nothing about the assignee", () => {
    expect(assignmentReason([event("routing_decided", { field: "priority", reason: "vip" }, "2026-12-02T09:00:00Z")])).toBeNull();
    expect(assignmentReason([])).toBeNull();
  });
});

describe("routing lines in the history", () => {
  it("say the field, the value and why", () => {
    expect(routingLine(event("routing_decided", { field: "tags", value: ["billing", "vip"], reason: "VIP" }, "t"))).toEqual({
      field: "tags",
      value: "billing, vip",
      detail: "VIP",
    });
    expect(routingLine(event("routing_decided", { field: "assignee", value: null, reason: "nobody online" }, "t"))).toEqual({
      field: "assignee",
      value: null,
      detail: "nobody online",
    });
  });

  it("name the rule that fired and the step that failed", () => {
    expect(routingLine(event("trigger_fired", { rule_id: "r1", rule_name: "Outages" }, "t"))?.detail).toBe("Outages");
    expect(routingLine(event("routing_failed", { step: "assign", error: "timeout" }, "t"))?.detail).toBe("assign: timeout");
    expect(routingLine(event("message_added", {}, "t"))).toBeNull();
  });
});
