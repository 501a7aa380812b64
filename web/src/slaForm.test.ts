import { describe, expect, it } from "vitest";
import { splitError } from "./ruleForm";
import { emptyPolicy, escalationActions, escalationIndex, GRID_PRIORITIES, policyForm, policyInput, problemSpot, targetCount, withPolicy } from "./slaForm";
import type { RuleLanguage, SlaPolicy } from "./types";

// A slice of GET /api/admin/fields: the actions the rules take.
const LANGUAGE: RuleLanguage = {
  fields: [],
  operators: {},
  actions: [
    { kind: "set_priority", value: "choice", choices: ["low", "normal", "high", "urgent"], kinds: ["automation", "trigger"] },
    { kind: "set_group", value: "group", choices: [], kinds: ["automation", "trigger"] },
    { kind: "notify", value: "templates_subject", choices: [], kinds: ["automation", "trigger"] },
    { kind: "acknowledge", value: "none", choices: [], kinds: ["trigger"] },
    { kind: "reply", value: "templates", choices: [], kinds: ["automation"] },
  ],
  placeholders: ["ticket.number"],
  events: ["created"],
  strategies: [],
  weekdays: [],
};

const VIP: SlaPolicy = {
  id: "vip",
  name: "VIP customers",
  enabled: true,
  conditions: { channels: ["email", "whatsapp"], tiers: ["vip"] },
  targets: {
    urgent: { first_reply: { minutes: 30, business: false }, resolution: { minutes: 240, business: true } },
    normal: { first_reply: { minutes: 120, business: true } },
  },
  warning_percent: 80,
  escalation: [
    { kind: "set_priority", value: "urgent" },
    { kind: "notify", subject: "SLA breached", templates: { default: "#{ticket.number} is late" } },
  ],
};

describe("the policy form", () => {
  it("sends back the policy it was opened on, unchanged", () => {
    expect(policyInput(LANGUAGE, policyForm(VIP), "vip")).toEqual(VIP);
  });

  it("starts empty: every ticket, no targets, a warning at 75 %, on", () => {
    const form = emptyPolicy();
    form.name = "Standard";
    expect(policyInput(LANGUAGE, form)).toEqual({
      name: "Standard",
      enabled: true,
      conditions: {},
      targets: {},
      warning_percent: 75,
      escalation: [],
    });
  });

  it("sends only the targets given, each with its clock", () => {
    const form = emptyPolicy();
    form.targets.high.next_reply = { minutes: " 45 ", business: false };
    form.targets.low.resolution = { minutes: "2880", business: true };
    form.targets.low.first_reply = { minutes: "   ", business: false };
    expect(policyInput(LANGUAGE, form).targets).toEqual({
      high: { next_reply: { minutes: 45, business: false } },
      low: { resolution: { minutes: 2880, business: true } },
    });
  });

  it("sends minutes and a warning that are not numbers as typed, for the server to name", () => {
    const form = emptyPolicy();
    form.targets.urgent.first_reply.minutes = "half an hour";
    form.warningPercent = "lots";
    const input = policyInput(LANGUAGE, form);
    expect(input.targets.urgent?.first_reply?.minutes).toBe("half an hour");
    expect(input.warning_percent).toBe("lots");
  });

  it("shows the most urgent priority first in the grid", () => {
    expect(GRID_PRIORITIES).toEqual(["urgent", "high", "normal", "low"]);
  });

  it("counts the targets a policy sets", () => {
    expect(targetCount(VIP)).toBe(3);
    expect(targetCount({ ...VIP, targets: {} })).toBe(0);
  });
});

describe("the list PUT replaces", () => {
  it("has the edited policy in its place, or a new one at the end", () => {
    expect(withPolicy(["a", "b", "c"], 1, "B")).toEqual(["a", "B", "c"]);
    expect(withPolicy(["a", "b"], null, "new")).toEqual(["a", "b", "new"]);
  });
});

describe("where a refusal points", () => {
  it("finds the cell, the action or the field of the policy being edited", () => {
    const { path } = splitError("policies[1].targets.urgent.first_reply.minutes: must be a whole number of minutes, 1 or more");
    expect(problemSpot(path, 1)).toBe("targets.urgent.first_reply");
    expect(problemSpot("policies[1].escalation[2].templates.en", 1)).toBe("escalation[2]");
    expect(problemSpot("policies[1].conditions.channels[0]", 1)).toBe("conditions.channels");
    expect(problemSpot("policies[1].warning_percent", 1)).toBe("warning_percent");
    expect(problemSpot("policies[1].name", 1)).toBe("name");
    expect(problemSpot("policies[1]", 1)).toBe("");
  });

  it("is nowhere in the form when it is about another policy", () => {
    expect(problemSpot("policies[0].name", 1)).toBeNull();
    expect(problemSpot("policies[10].name", 1)).toBeNull();
    expect(problemSpot("policies", 1)).toBeNull();
  });

  it("names the escalation row to mark", () => {
    expect(escalationIndex("escalation[2]")).toBe(2);
    expect(escalationIndex("escalation")).toBeNull();
    expect(escalationIndex(null)).toBeNull();
  });
});

describe("escalation actions", () => {
  it("are the automations' while the server names none for SLAs", () => {
    expect(escalationActions(LANGUAGE).map((a) => a.kind)).toEqual(["set_priority", "set_group", "notify", "reply"]);
  });

  it("are the SLA's own when the server names them", () => {
    const language = { ...LANGUAGE, actions: LANGUAGE.actions.map((a) => (a.kind === "notify" ? { ...a, kinds: [...a.kinds, "sla"] } : a)) };
    expect(escalationActions(language).map((a) => a.kind)).toEqual(["notify"]);
  });
});
