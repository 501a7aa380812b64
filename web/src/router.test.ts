import { describe, expect, it } from "vitest";
import { ADMIN_SECTIONS, formatRoute, parseHash, VIEW_IDS, viewDef, type Route, type ViewId } from "./router";

describe("parseHash", () => {
  it.each<[string, Route]>([
    ["", { name: "view", view: "unassigned" }],
    ["#", { name: "view", view: "unassigned" }],
    ["#/", { name: "view", view: "unassigned" }],
    ["#/login", { name: "login" }],
    ["#/login/", { name: "login" }],
    ["#/views/mine", { name: "view", view: "mine" }],
    ["#/views/all-open", { name: "view", view: "all-open" }],
    ["#/views", { name: "view", view: "unassigned" }],
    ["#/tickets/42", { name: "ticket", number: 42 }],
    ["/tickets/7", { name: "ticket", number: 7 }],
    ["#/tickets/42?tab=x", { name: "ticket", number: 42 }],
    ["#/quarantine", { name: "quarantine" }],
    ["#/admin", { name: "admin", section: "triggers" }],
    ["#/admin/automations", { name: "admin", section: "automations" }],
    ["#/admin/groups", { name: "admin", section: "groups" }],
    ["#/admin/sla", { name: "admin", section: "sla" }],
  ])("%s", (hash, route) => {
    expect(parseHash(hash)).toEqual(route);
  });

  it.each(["#/views/bogus", "#/tickets/0", "#/tickets/abc", "#/tickets/-1", "#/tickets/1.5", "#/tickets/01", "#/tickets", "#/tickets/1/x", "#/nope", "#/views/%E0%A4%A", "#/admin/bogus", "#/admin/groups/x"])(
    "%s is not found",
    (hash) => {
      expect(parseHash(hash).name).toBe("notFound");
    },
  );

  it("round-trips every route through formatRoute", () => {
    const routes: Route[] = [
      { name: "login" },
      { name: "quarantine" },
      { name: "ticket", number: 123 },
      ...VIEW_IDS.map((view) => ({ name: "view" as const, view })),
      ...ADMIN_SECTIONS.map((section) => ({ name: "admin" as const, section })),
    ];
    for (const r of routes) expect(parseHash(formatRoute(r))).toEqual(r);
  });
});

describe("views", () => {
  const queryOf = (id: ViewId) => {
    const def = viewDef(id);
    return def.source === "tickets" ? def.query : null;
  };

  it("map to the API queries", () => {
    expect(queryOf("unassigned")).toEqual({ view: "unassigned" });
    expect(queryOf("mine")).toEqual({ view: "mine" });
    expect(queryOf("all-open")).toEqual({ view: "all", status: "open" });
    expect(queryOf("new")).toEqual({ status: "new" });
    expect(queryOf("pending")).toEqual({ status: "pending" });
    expect(queryOf("solved")).toEqual({ status: "solved" });
  });

  it("list the SLA's at-risk tickets from their own endpoint, at #/views/sla-at-risk", () => {
    expect(viewDef("sla-at-risk").source).toBe("sla-at-risk");
    expect(parseHash("#/views/sla-at-risk")).toEqual({ name: "view", view: "sla-at-risk" });
  });
});
