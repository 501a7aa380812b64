import { describe, expect, it, vi } from "vitest";
import { ApiClient, ApiError, codeForStatus, errorFromResponse, type FetchLike } from "./api";
import { errorText } from "./session";
import { translator } from "./i18n";

function jsonResponse(status: number, body: unknown): Response {
  return new Response(body === undefined ? null : typeof body === "string" ? body : JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json" },
  });
}

function client(fetchImpl: FetchLike, onUnauthorized = vi.fn(), token: string | null = "tok123") {
  return { api: new ApiClient({ base: "https://api.example.test/", getToken: () => token, onUnauthorized, fetchImpl }), onUnauthorized };
}

describe("error mapping", () => {
  it("uses the body's code and message", () => {
    const e = errorFromResponse(409, { error: "conflict", message: "stale version" });
    expect(e).toBeInstanceOf(ApiError);
    expect(e.status).toBe(409);
    expect(e.code).toBe("conflict");
    expect(e.serverMessage).toBe("stale version");
    expect(e.message).toBe("stale version");
  });

  it("falls back to the status when the body is not an error object", () => {
    expect(errorFromResponse(422, "<html>").code).toBe("invalid");
    expect(errorFromResponse(404, null).code).toBe("not_found");
    expect(errorFromResponse(503, ["x"]).code).toBe("server_error");
    expect(errorFromResponse(418, { error: 5 }).code).toBe("http_error");
    expect(errorFromResponse(418, { error: 5 }).serverMessage).toBeNull();
    expect(codeForStatus(401)).toBe("unauthorized");
    expect(codeForStatus(403)).toBe("forbidden");
    expect(codeForStatus(429)).toBe("rate_limited");
  });

  it("describes errors for people", () => {
    const t = translator("en");
    expect(errorText(new ApiError(422, "invalid", "Cannot reopen a closed ticket"), t)).toBe("Cannot reopen a closed ticket");
    expect(errorText(new ApiError(0, "network", "fetch failed"), t)).toMatch(/could not be reached/);
    expect(errorText(new ApiError(500, "server_error", "trace"), t)).toMatch(/server ran into an error/);
    expect(errorText(new ApiError(418, "teapot", null), t)).toBe("Something went wrong (teapot).");
  });
});

describe("ApiClient", () => {
  it("sends the bearer token and JSON, and parses the reply", async () => {
    const fetchImpl = vi.fn<FetchLike>(async () => jsonResponse(200, { ticket: { number: 3, version: 5 } }));
    const { api } = client(fetchImpl);
    const res = await api.updateTicket(3, 4, { status: "pending", assignee: null });
    expect(res.ticket.version).toBe(5);
    const [url, init] = fetchImpl.mock.calls[0];
    expect(url).toBe("https://api.example.test/api/tickets/3");
    expect(init?.method).toBe("PATCH");
    const headers = init?.headers as Record<string, string>;
    expect(headers.Authorization).toBe("Bearer tok123");
    expect(headers["Content-Type"]).toBe("application/json");
    expect(JSON.parse(init?.body as string)).toEqual({ version: 4, status: "pending", assignee: null });
  });

  it("builds list queries without empty parameters", async () => {
    const fetchImpl = vi.fn<FetchLike>(async () => jsonResponse(200, { items: [], next_cursor: null }));
    const { api } = client(fetchImpl);
    await api.listTickets({ view: "all", status: "open", cursor: null });
    await api.listTickets({ status: "new", cursor: "abc/+=" });
    expect(fetchImpl.mock.calls[0][0]).toBe("https://api.example.test/api/tickets?view=all&status=open&limit=25");
    expect(fetchImpl.mock.calls[1][0]).toBe("https://api.example.test/api/tickets?status=new&cursor=abc%2F%2B%3D&limit=25");
  });

  it("asks for a year's public holidays in the reader's language", async () => {
    const fetchImpl = vi.fn<FetchLike>(async () => jsonResponse(200, { year: 2026, holidays: [{ date: "2026-12-25", name: "Natale" }] }));
    const { api } = client(fetchImpl);
    const listed = await api.calendarHolidays(2026, "it");
    expect(fetchImpl.mock.calls[0][0]).toBe("https://api.example.test/api/admin/calendar/holidays?year=2026&lang=it");
    expect(listed.holidays).toEqual([{ date: "2026-12-25", name: "Natale" }]);
  });

  it("posts messages with the public flag", async () => {
    const fetchImpl = vi.fn<FetchLike>(async () => jsonResponse(201, { message: {}, ticket: {} }));
    const { api } = client(fetchImpl);
    await api.addMessage(9, "hello", false);
    expect(fetchImpl.mock.calls[0][0]).toBe("https://api.example.test/api/tickets/9/messages");
    expect(JSON.parse(fetchImpl.mock.calls[0][1]?.body as string)).toEqual({ body: "hello", public: false });
  });

  it("omits Authorization without a token", async () => {
    const fetchImpl = vi.fn<FetchLike>(async () => jsonResponse(200, { id: "a" }));
    const { api } = client(fetchImpl, vi.fn(), null);
    await api.me();
    expect((fetchImpl.mock.calls[0][1]?.headers as Record<string, string>).Authorization).toBeUndefined();
  });

  it("maps 409 to a conflict ApiError", async () => {
    const { api, onUnauthorized } = client(async () => jsonResponse(409, { error: "conflict", message: "version 3 is stale" }));
    const err = await api.updateTicket(1, 3, { status: "open" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe("conflict");
    expect((err as ApiError).status).toBe(409);
    expect(onUnauthorized).not.toHaveBeenCalled();
  });

  it("maps 422 with the server message", async () => {
    const { api } = client(async () => jsonResponse(422, { error: "invalid", message: "A closed ticket cannot change" }));
    await expect(api.updateTicket(1, 3, { status: "open" })).rejects.toMatchObject({
      status: 422,
      code: "invalid",
      serverMessage: "A closed ticket cannot change",
    });
  });

  it("calls onUnauthorized on 401", async () => {
    const { api, onUnauthorized } = client(async () => jsonResponse(401, { error: "unauthorized", message: "expired" }));
    await expect(api.me()).rejects.toMatchObject({ status: 401, code: "unauthorized" });
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
  });

  it("maps a failed fetch to a network error", async () => {
    const { api } = client(async () => {
      throw new TypeError("Failed to fetch");
    });
    await expect(api.agents()).rejects.toMatchObject({ status: 0, code: "network" });
  });

  it("maps a non-JSON error body by status", async () => {
    const { api } = client(async () => new Response("Bad Gateway", { status: 502 }));
    await expect(api.groups()).rejects.toMatchObject({ status: 502, code: "server_error", serverMessage: null });
  });

  it("rejects a 200 that is not JSON", async () => {
    const { api } = client(async () => new Response("<html></html>", { status: 200 }));
    await expect(api.me()).rejects.toMatchObject({ code: "bad_response" });
  });

  it("uses the global fetch when none is given", async () => {
    const fetchSpy = vi.fn(async () => jsonResponse(200, { items: [], next_cursor: null }));
    vi.stubGlobal("fetch", fetchSpy);
    try {
      const api = new ApiClient({ base: "", getToken: () => "t" });
      await api.quarantine("c1");
      expect(fetchSpy).toHaveBeenCalledWith("/api/quarantine?cursor=c1", expect.anything());
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it("links an identity to a customer", async () => {
    const customer = { id: "c/1", name: "Mario", identities: [{ kind: "phone", value: "+393331234567" }], tickets: [], created_at: "x" };
    const fetchImpl = vi.fn<FetchLike>(async () => jsonResponse(201, customer));
    const { api } = client(fetchImpl);
    await expect(api.addIdentity("c/1", "phone", "+39 333 123 4567")).resolves.toEqual(customer);
    const [url, init] = fetchImpl.mock.calls[0];
    expect(url).toBe("https://api.example.test/api/customers/c%2F1/identities");
    expect(init?.method).toBe("POST");
    expect((init?.headers as Record<string, string>).Authorization).toBe("Bearer tok123");
    expect(JSON.parse(init?.body as string)).toEqual({ kind: "phone", value: "+39 333 123 4567" });
  });

  it("reports an identity another customer owns as a conflict", async () => {
    const { api } = client(async () => jsonResponse(409, { error: "conflict", message: "merge the two instead" }));
    await expect(api.addIdentity("c1", "email", "a@b.c")).rejects.toMatchObject({
      status: 409,
      code: "conflict",
      serverMessage: "merge the two instead",
    });
  });

  it("looks a customer up by identity", async () => {
    const fetchImpl = vi.fn<FetchLike>(async () => jsonResponse(200, { id: "c2" }));
    const { api } = client(fetchImpl);
    await api.findCustomer("email", "mario.rossi+x@work.example");
    const [url, init] = fetchImpl.mock.calls[0];
    expect(url).toBe("https://api.example.test/api/customers/lookup?kind=email&value=mario.rossi%2Bx%40work.example");
    expect(init?.method).toBe("GET");
    expect(init?.body).toBeUndefined();
  });

  it("maps a lookup that finds nobody to not_found", async () => {
    const { api } = client(async () => jsonResponse(404, { error: "not_found", message: "no customer has the email x" }));
    await expect(api.findCustomer("email", "x")).rejects.toMatchObject({ status: 404, code: "not_found" });
  });

  it("merges a customer into another", async () => {
    const fetchImpl = vi.fn<FetchLike>(async () => jsonResponse(200, { id: "c1" }));
    const { api } = client(fetchImpl);
    await api.mergeCustomer("c1", "c2");
    const [url, init] = fetchImpl.mock.calls[0];
    expect(url).toBe("https://api.example.test/api/customers/c1/merge");
    expect(init?.method).toBe("POST");
    expect((init?.headers as Record<string, string>)["Content-Type"]).toBe("application/json");
    expect(JSON.parse(init?.body as string)).toEqual({ source: "c2" });
  });

  it("resolves attachment URLs against the API base", () => {
    const { api } = client(vi.fn());
    expect(api.resolve("/api/attachments/1")).toBe("https://api.example.test/api/attachments/1");
    expect(api.resolve("https://bucket.s3.example/x?sig=1")).toBe("https://bucket.s3.example/x?sig=1");
  });
});

describe("ApiClient: routing and the admin API", () => {
  const calls = async (work: (api: ApiClient) => Promise<unknown>, status = 200, body: unknown = {}) => {
    const fetchImpl = vi.fn<FetchLike>(async () => jsonResponse(status, body));
    await work(client(fetchImpl).api);
    return fetchImpl.mock.calls.map(([url, init]) => ({
      url: url.replace("https://api.example.test", ""),
      method: init?.method,
      body: init?.body ? JSON.parse(init.body as string) : undefined,
    }));
  };

  it("sends each admin call to its route", async () => {
    expect(await calls((api) => api.reorderRules("trigger", ["b", "a"]))).toEqual([
      { url: "/api/admin/rules/trigger/order", method: "PUT", body: { ids: ["b", "a"] } },
    ]);
    expect(await calls((api) => api.updateRule("automation", "r/1", { enabled: false }))).toEqual([
      { url: "/api/admin/rules/automation/r%2F1", method: "PUT", body: { enabled: false } },
    ]);
    expect(await calls((api) => api.saveGroup({ id: "billing", name: "Billing", strategy: "manual", members: [], description: "" }))).toEqual([
      { url: "/api/admin/groups/billing", method: "PUT", body: { name: "Billing", strategy: "manual", members: [], description: "" } },
    ]);
    expect(await calls((api) => api.setAgentProfile("a1", { capacity: 5, languages: ["it"], skills: [] }))).toEqual([
      { url: "/api/agents/a1/profile", method: "PUT", body: { capacity: 5, languages: ["it"], skills: [] } },
    ]);
    expect(await calls((api) => api.setStatus("away"))).toEqual([{ url: "/api/me/status", method: "PUT", body: { status: "away" } }]);
    expect(await calls((api) => api.setCustomerTraits("c1", { vip: true }))).toEqual([
      { url: "/api/customers/c1", method: "PATCH", body: { vip: true } },
    ]);
  });

  it("accepts a deletion's empty 204", async () => {
    const fetchImpl = vi.fn<FetchLike>(async () => new Response(null, { status: 204 }));
    await expect(client(fetchImpl).api.deleteRule("trigger", "r1")).resolves.toBeNull();
    expect(fetchImpl.mock.calls[0][1]?.method).toBe("DELETE");
  });
});

describe("ApiClient: the SLA", () => {
  const badge = { target: "first_reply", state: "running", due_at: "2026-12-02T11:00:00Z", left_seconds: 600, business: true };

  it("notes when each list's answer arrived on its SLA badges, the instant their time left was true", async () => {
    vi.useFakeTimers({ now: Date.parse("2026-12-02T10:50:00Z") });
    try {
      const fetchImpl = vi.fn<FetchLike>(async () =>
        jsonResponse(200, { items: [{ number: 1, sla: badge }, { number: 2, sla: null }], next_cursor: "c" }),
      );
      const { api } = client(fetchImpl);
      const page = await api.listTickets({ view: "all" });
      expect(page.items[0].sla).toEqual({ ...badge, received_at: Date.parse("2026-12-02T10:50:00Z") });
      expect(page.items[1].sla).toBeNull();
      expect(page.next_cursor).toBe("c");

      const atRisk = await api.slaAtRisk();
      expect(fetchImpl.mock.calls[1][0]).toBe("https://api.example.test/api/sla/at-risk?limit=50");
      expect(atRisk.items[0].sla?.received_at).toBe(Date.parse("2026-12-02T10:50:00Z"));
      expect(atRisk.next_cursor).toBeNull();
    } finally {
      vi.useRealTimers();
    }
  });

  it("notes it on a ticket's SLA view too, and leaves a ticket without one alone", async () => {
    const view = { policy: { id: "vip", name: "VIP" }, targets: [] };
    const withSla = await client(async () => jsonResponse(200, { ticket: { number: 3 }, sla: view })).api.ticket(3);
    expect(withSla.sla).toMatchObject(view);
    expect(typeof withSla.sla?.received_at).toBe("number");
    const without = await client(async () => jsonResponse(200, { ticket: { number: 4 }, sla: null })).api.ticket(4);
    expect(without.sla).toBeNull();
  });

  it("reads and replaces the ordered policies", async () => {
    const policies = [{ id: "vip", name: "VIP", enabled: true, conditions: {}, targets: {}, warning_percent: 75, escalation: [] }];
    const fetchImpl = vi.fn<FetchLike>(async () => jsonResponse(200, { policies }));
    const { api } = client(fetchImpl);
    await api.slaPolicies();
    expect(await api.saveSlaPolicies(policies)).toEqual({ policies });
    expect(fetchImpl.mock.calls.map(([url, init]) => [url, init?.method])).toEqual([
      ["https://api.example.test/api/admin/sla", "GET"],
      ["https://api.example.test/api/admin/sla", "PUT"],
    ]);
    expect(JSON.parse(fetchImpl.mock.calls[1][1]?.body as string)).toEqual({ policies });
  });
});
