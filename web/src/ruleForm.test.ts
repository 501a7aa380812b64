import { describe, expect, it } from "vitest";
import {
  actionToData,
  actionsFor,
  conditionRow,
  conditionToData,
  emptyRule,
  fieldsFor,
  formValues,
  moved,
  newAction,
  newCondition,
  operatorsFor,
  holidaySource,
  parseWindows,
  rowOfPath,
  ruleBody,
  ruleToData,
  splitError,
  valueShape,
  windowsText,
  withDefaults,
} from "./ruleForm";
import type { Rule, RuleLanguage } from "./types";

// A slice of GET /api/admin/fields, as the server sends it.
const LANGUAGE: RuleLanguage = {
  fields: [
    { name: "ticket.priority", type: "choice", choices: ["low", "normal", "high", "urgent"], kinds: ["automation", "trigger"] },
    { name: "ticket.subject", type: "text", choices: [], kinds: ["automation", "trigger"] },
    { name: "ticket.tags", type: "tags", choices: [], kinds: ["automation", "trigger"] },
    { name: "customer.vip", type: "flag", choices: [], kinds: ["automation", "trigger"] },
    { name: "message.text", type: "text", choices: [], kinds: ["trigger"] },
    { name: "ticket.hours_since_update", type: "number", choices: [], kinds: ["automation"] },
  ],
  operators: {
    text: { is: "text", contains: "text", contains_any_word: "words", is_empty: "none" },
    choice: { is: "choice", is_not: "choice", in: "choices", not_in: "choices" },
    tags: { includes: "tag", includes_any: "tags" },
    flag: { is: "flag" },
    number: { eq: "number", gte: "number" },
  },
  actions: [
    { kind: "set_priority", value: "choice", choices: ["low", "normal", "high", "urgent"], kinds: ["trigger", "automation"] },
    { kind: "add_tags", value: "tags", choices: [], kinds: ["trigger", "automation"] },
    { kind: "set_assignee", value: "agent", choices: [], kinds: ["trigger", "automation"] },
    { kind: "notify", value: "templates_subject", choices: [], kinds: ["trigger", "automation"] },
    { kind: "acknowledge", value: "none", choices: [], kinds: ["trigger"] },
  ],
  placeholders: ["ticket.number"],
  events: ["created", "customer_reply"],
  strategies: ["round_robin", "least_open", "skills", "manual"],
  weekdays: ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
};

describe("operators follow the field's type", () => {
  it.each([
    ["ticket.priority", ["is", "is_not", "in", "not_in"]],
    ["ticket.subject", ["is", "contains", "contains_any_word", "is_empty"]],
    ["ticket.tags", ["includes", "includes_any"]],
    ["customer.vip", ["is"]],
    ["ticket.hours_since_update", ["eq", "gte"]],
    ["no.such.field", []],
  ])("%s", (field, ops) => {
    expect(operatorsFor(LANGUAGE, field)).toEqual(ops);
  });

  it("gives each operator its value's shape", () => {
    expect(valueShape(LANGUAGE, "ticket.subject", "contains_any_word")).toBe("words");
    expect(valueShape(LANGUAGE, "ticket.priority", "in")).toBe("choices");
    expect(valueShape(LANGUAGE, "ticket.subject", "is_empty")).toBe("none");
    expect(valueShape(LANGUAGE, "ticket.subject", "bogus")).toBe("none");
  });

  it("offers a kind of rule only its fields and actions", () => {
    expect(fieldsFor(LANGUAGE, "trigger").map((f) => f.name)).not.toContain("ticket.hours_since_update");
    expect(fieldsFor(LANGUAGE, "automation").map((f) => f.name)).not.toContain("message.text");
    expect(actionsFor(LANGUAGE, "automation").map((a) => a.kind)).not.toContain("acknowledge");
  });
});

describe("condition rows", () => {
  it("start with the field's first operator and a value of its shape", () => {
    expect(newCondition(LANGUAGE, "ticket.priority")).toEqual({ field: "ticket.priority", op: "is", value: "low", values: [] });
    expect(newCondition(LANGUAGE, "customer.vip")).toEqual({ field: "customer.vip", op: "is", value: "true", values: [] });
  });

  it("fall back to the new field's first operator when the old one does not apply", () => {
    const row = { field: "ticket.tags", op: "contains", value: "x", values: [] };
    expect(withDefaults(LANGUAGE, row)).toEqual({ field: "ticket.tags", op: "includes", value: "x", values: [] });
  });

  it("become the JSON of each shape", () => {
    const data = (field: string, op: string, value: string, values: string[] = []) =>
      conditionToData(LANGUAGE, { field, op, value, values });
    expect(data("ticket.subject", "contains_any_word", "outage, down ,")).toEqual({
      field: "ticket.subject",
      op: "contains_any_word",
      value: ["outage", "down"],
    });
    expect(data("ticket.priority", "in", "", ["high", "urgent"]).value).toEqual(["high", "urgent"]);
    expect(data("customer.vip", "is", "false").value).toBe(false);
    expect(data("ticket.hours_since_update", "gte", "48").value).toBe(48);
    expect(data("ticket.hours_since_update", "gte", "soon").value).toBe("soon"); // the server names it
    expect(data("ticket.subject", "is_empty", "ignored")).toEqual({ field: "ticket.subject", op: "is_empty" });
  });

  it("read back what they wrote", () => {
    for (const c of [
      { field: "ticket.subject", op: "contains_any_word", value: ["a", "b"] },
      { field: "ticket.priority", op: "not_in", value: ["low"] },
      { field: "customer.vip", op: "is", value: false },
      { field: "ticket.tags", op: "includes", value: "vip" },
    ]) {
      expect(conditionToData(LANGUAGE, conditionRow(LANGUAGE, c))).toEqual(c);
    }
  });
});

describe("action rows", () => {
  it("become the JSON of each shape", () => {
    const notify = { ...newAction(LANGUAGE, "notify"), subject: "Urgent #{ticket.number}" };
    notify.templates.en = "Look at it";
    expect(actionToData(LANGUAGE, notify)).toEqual({ kind: "notify", templates: { en: "Look at it" }, subject: "Urgent #{ticket.number}" });
    expect(actionToData(LANGUAGE, newAction(LANGUAGE, "set_priority"))).toEqual({ kind: "set_priority", value: "low" });
    expect(actionToData(LANGUAGE, { ...newAction(LANGUAGE, "add_tags"), value: "a, b" })).toEqual({ kind: "add_tags", value: ["a", "b"] });
    expect(actionToData(LANGUAGE, newAction(LANGUAGE, "set_assignee"))).toEqual({ kind: "set_assignee", value: null });
    expect(actionToData(LANGUAGE, newAction(LANGUAGE, "acknowledge"))).toEqual({ kind: "acknowledge" });
  });
});

describe("rules", () => {
  const rule: Rule = {
    id: "r1",
    name: "Outages",
    kind: "trigger",
    enabled: true,
    position: 2,
    builtin: false,
    events: ["created"],
    conditions: { all: [{ field: "ticket.subject", op: "contains_any_word", value: ["outage"] }], any: [] },
    actions: [{ kind: "set_priority", value: "urgent" }],
  };

  it("round-trip through the form", () => {
    const data = ruleToData(LANGUAGE, "trigger", formValues(LANGUAGE, rule));
    expect(data).toEqual({ name: "Outages", enabled: true, events: ["created"], conditions: rule.conditions, actions: rule.actions });
  });

  it("send back as read, position included", () => {
    expect(ruleBody({ ...rule, enabled: false })).toMatchObject({ enabled: false, position: 2, events: ["created"] });
  });

  it("start empty: triggers on both events, automations with a time condition", () => {
    expect(emptyRule(LANGUAGE, "trigger").events).toEqual(["created", "customer_reply"]);
    expect(emptyRule(LANGUAGE, "automation").all.map((c) => c.field)).toEqual(["ticket.hours_since_update"]);
    expect(ruleToData(LANGUAGE, "automation", emptyRule(LANGUAGE, "automation"))).not.toHaveProperty("events");
  });

  it("move one step up or down, never past either end", () => {
    expect(moved(["a", "b", "c"], "b", -1)).toEqual(["b", "a", "c"]);
    expect(moved(["a", "b", "c"], "b", 1)).toEqual(["a", "c", "b"]);
    expect(moved(["a", "b", "c"], "a", -1)).toEqual(["a", "b", "c"]);
    expect(moved(["a", "b", "c"], "c", 1)).toEqual(["a", "b", "c"]);
    const [first, second] = [{ name: "VIP" }, { name: "Standard" }];
    expect(moved([first, second], second, -1)).toEqual([second, first]);
  });
});

describe("server errors", () => {
  it("split into the path and the reason", () => {
    expect(splitError("conditions.all[0].value: 'x' is not one of low, high")).toEqual({
      path: "conditions.all[0].value",
      reason: "'x' is not one of low, high",
    });
    expect(splitError("actions[1].templates.en: unknown placeholder {a}")).toEqual({
      path: "actions[1].templates.en",
      reason: "unknown placeholder {a}",
    });
    expect(splitError("the order must list every trigger exactly once")).toEqual({
      path: "",
      reason: "the order must list every trigger exactly once",
    });
  });

  it("point at the form row", () => {
    expect(rowOfPath("conditions.any[2].op")).toBe("any-2");
    expect(rowOfPath("actions[1].templates.en")).toBe("action-1");
    expect(rowOfPath("name")).toBeNull();
  });
});

describe("calendar windows", () => {
  it("round-trip as text", () => {
    const windows: [string, string][] = [["09:00", "13:00"], ["14:00", "18:00"]];
    expect(windowsText(windows)).toBe("09:00-13:00, 14:00-18:00");
    expect(parseWindows("09:00-13:00, 14:00 - 18:00")).toEqual(windows);
    expect(parseWindows("")).toEqual([]);
  });
});

describe("calendar public holidays", () => {
  it("send the country as an upper-case code and empty inputs as none", () => {
    expect(holidaySource(" it ", " RM ")).toEqual({ country: "IT", region: "RM" });
    expect(holidaySource("IT", "")).toEqual({ country: "IT", region: null });
    expect(holidaySource("", "")).toEqual({ country: null, region: null });
    expect(holidaySource("", "RM")).toEqual({ country: null, region: "RM" });
  });
});
