// HTTP client for the Sportello agent API: bearer token, JSON, error mapping.
import type {
  Agent,
  AgentProfile,
  AgentStatus,
  CalendarSettings,
  ClassificationSettings,
  PublicHolidays,
  GroupSettings,
  Rule,
  RuleKind,
  RuleLanguage,
  SlaPolicy,
  SlaPolicyInput,
  Channel,
  Customer,
  Group,
  IdentityKind,
  Me,
  Message,
  Page,
  QuarantineItem,
  Ticket,
  TicketDetail,
  TicketPatch,
  TicketQuery,
} from "./types";

/** Error codes the UI knows how to explain; the server may send others. */
export type ErrorCode =
  | "network"
  | "bad_request"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "invalid"
  | "rate_limited"
  | "server_error"
  | "bad_response"
  | "http_error"
  | (string & {});

export class ApiError extends Error {
  readonly status: number;
  readonly code: ErrorCode;
  /** The server's own message, when it sent one. */
  readonly serverMessage: string | null;

  constructor(status: number, code: ErrorCode, serverMessage: string | null) {
    super(serverMessage ?? `${code} (HTTP ${status})`);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.serverMessage = serverMessage;
  }
}

/** The error code implied by an HTTP status when the body names none. */
export function codeForStatus(status: number): ErrorCode {
  switch (status) {
    case 0:
      return "network";
    case 400:
      return "bad_request";
    case 401:
      return "unauthorized";
    case 403:
      return "forbidden";
    case 404:
      return "not_found";
    case 409:
      return "conflict";
    case 422:
      return "invalid";
    case 429:
      return "rate_limited";
    default:
      return status >= 500 ? "server_error" : "http_error";
  }
}

/** Builds the ApiError for a failed response from its status and (parsed or not) body. */
export function errorFromResponse(status: number, body: unknown): ApiError {
  let code: ErrorCode = codeForStatus(status);
  let message: string | null = null;
  if (body !== null && typeof body === "object" && !Array.isArray(body)) {
    const b = body as Record<string, unknown>;
    if (typeof b.error === "string" && b.error.trim() !== "") code = b.error;
    if (typeof b.message === "string" && b.message.trim() !== "") message = b.message;
  }
  return new ApiError(status, code, message);
}

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface ApiClientOptions {
  /** API origin (and optional path prefix); "" means the SPA's own origin. */
  base: string;
  getToken: () => string | null;
  /** Called once per 401 response, before the promise rejects. */
  onUnauthorized?: () => void;
  fetchImpl?: FetchLike;
}

export function joinUrl(base: string, path: string): string {
  return base.replace(/\/+$/, "") + (path.startsWith("/") ? path : `/${path}`);
}

function queryString(params: Record<string, string | number | null | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : "";
}

async function readBody(res: Response): Promise<unknown> {
  const text = await res.text();
  if (text === "") return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** Sends one request; resolves with the parsed JSON body or rejects with an ApiError. */
export async function sendJson<T>(
  fetchImpl: FetchLike,
  url: string,
  init: RequestInit,
): Promise<T> {
  let res: Response;
  try {
    res = await fetchImpl(url, init);
  } catch (e) {
    throw new ApiError(0, "network", e instanceof Error ? e.message : null);
  }
  const body = await readBody(res);
  if (!res.ok) throw errorFromResponse(res.status, body);
  if (res.status !== 204 && (body === null || typeof body !== "object")) {
    throw new ApiError(res.status, "bad_response", null);
  }
  return body as T;
}

/**
 * Notes on an answer's SLA clock the client time it arrived: `left_seconds` was true at that instant,
 * and the countdowns tick down from it.
 */
export function stampSla<T extends { sla?: { received_at?: number } | null }>(item: T, at: number): T {
  return item.sla ? { ...item, sla: { ...item.sla, received_at: at } } : item;
}

const defaultFetch: FetchLike = (input, init) => globalThis.fetch(input, init);

export class ApiClient {
  private readonly opts: ApiClientOptions;

  constructor(opts: ApiClientOptions) {
    this.opts = opts;
  }

  /** Absolute URL for a path the API returned (e.g. attachment links). */
  resolve(urlOrPath: string): string {
    if (/^[a-z][a-z0-9+.-]*:/i.test(urlOrPath) || urlOrPath.startsWith("//")) return urlOrPath;
    return joinUrl(this.opts.base, urlOrPath);
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { Accept: "application/json" };
    const token = this.opts.getToken();
    if (token) headers.Authorization = `Bearer ${token}`;
    const init: RequestInit = { method, headers };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    try {
      return await sendJson<T>(this.opts.fetchImpl ?? defaultFetch, joinUrl(this.opts.base, path), init);
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) this.opts.onUnauthorized?.();
      throw e;
    }
  }

  me(): Promise<Me> {
    return this.request("GET", "/api/me");
  }

  agents(): Promise<{ items: Agent[] }> {
    return this.request("GET", "/api/agents");
  }

  groups(): Promise<{ items: Group[] }> {
    return this.request("GET", "/api/groups");
  }

  async listTickets(query: TicketQuery): Promise<Page<Ticket>> {
    const page = await this.request<Page<Ticket>>(
      "GET",
      `/api/tickets${queryString({
        view: query.view,
        status: query.status,
        group: query.group,
        assignee: query.assignee,
        cursor: query.cursor,
        limit: query.limit ?? 25,
      })}`,
    );
    const at = Date.now();
    return { ...page, items: page.items.map((tk) => stampSla(tk, at)) };
  }

  /** Tickets whose SLA is breached or nearly due, overdue first; one page (the server caps it at `limit`). */
  async slaAtRisk(limit = 50): Promise<Page<Ticket>> {
    const page = await this.request<{ items: Ticket[] }>("GET", `/api/sla/at-risk${queryString({ limit })}`);
    const at = Date.now();
    return { items: page.items.map((tk) => stampSla(tk, at)), next_cursor: null };
  }

  async ticket(number: number): Promise<TicketDetail> {
    const detail = await this.request<TicketDetail>("GET", `/api/tickets/${encodeURIComponent(String(number))}`);
    return stampSla(detail, Date.now());
  }

  addMessage(
    number: number,
    body: string,
    isPublic: boolean,
    channel?: Channel,
  ): Promise<{ message: Message; ticket: Ticket }> {
    return this.request("POST", `/api/tickets/${encodeURIComponent(String(number))}/messages`, {
      body,
      public: isPublic,
      ...(channel ? { channel } : {}),
    });
  }

  updateTicket(number: number, version: number, patch: TicketPatch): Promise<{ ticket: Ticket }> {
    return this.request("PATCH", `/api/tickets/${encodeURIComponent(String(number))}`, {
      version,
      ...patch,
    });
  }

  customer(id: string): Promise<Customer> {
    return this.request("GET", `/api/customers/${encodeURIComponent(id)}`);
  }

  /** Links an identity to a customer; 409 when another customer owns it (merge instead). */
  addIdentity(customerId: string, kind: IdentityKind, value: string): Promise<Customer> {
    return this.request("POST", `/api/customers/${encodeURIComponent(customerId)}/identities`, { kind, value });
  }

  /** The customer known by an identity; 404 when nobody is. */
  findCustomer(kind: IdentityKind, value: string): Promise<Customer> {
    return this.request("GET", `/api/customers/lookup${queryString({ kind, value })}`);
  }

  /** Merges the source customer (identities and tickets) into the target. */
  mergeCustomer(targetId: string, sourceId: string): Promise<Customer> {
    return this.request("POST", `/api/customers/${encodeURIComponent(targetId)}/merge`, { source: sourceId });
  }

  quarantine(cursor?: string | null): Promise<Page<QuarantineItem>> {
    return this.request("GET", `/api/quarantine${queryString({ cursor })}`);
  }

  /** Marks a customer VIP (or not) and sets their organisation ("" clears it). */
  setCustomerTraits(customerId: string, traits: { vip?: boolean; organisation?: string | null }): Promise<Customer> {
    return this.request("PATCH", `/api/customers/${encodeURIComponent(customerId)}`, traits);
  }

  /** The agent's own presence: only online agents are given tickets. */
  setStatus(status: AgentStatus): Promise<unknown> {
    return this.request("PUT", "/api/me/status", { status });
  }

  // --- admins ---------------------------------------------------------------------------------

  /** An agent's capacity, languages and skills (admins). */
  setAgentProfile(agentId: string, profile: AgentProfile): Promise<unknown> {
    return this.request("PUT", `/api/agents/${encodeURIComponent(agentId)}/profile`, profile);
  }

  ruleLanguage(): Promise<RuleLanguage> {
    return this.request("GET", "/api/admin/fields");
  }

  rules(kind: RuleKind): Promise<{ items: Rule[] }> {
    return this.request("GET", `/api/admin/rules/${kind}`);
  }

  createRule(kind: RuleKind, rule: Record<string, unknown>): Promise<Rule> {
    return this.request("POST", `/api/admin/rules/${kind}`, rule);
  }

  updateRule(kind: RuleKind, id: string, rule: Record<string, unknown>): Promise<Rule> {
    return this.request("PUT", `/api/admin/rules/${kind}/${encodeURIComponent(id)}`, rule);
  }

  deleteRule(kind: RuleKind, id: string): Promise<unknown> {
    return this.request("DELETE", `/api/admin/rules/${kind}/${encodeURIComponent(id)}`);
  }

  reorderRules(kind: RuleKind, ids: string[]): Promise<{ items: Rule[] }> {
    return this.request("PUT", `/api/admin/rules/${kind}/order`, { ids });
  }

  groupSettings(): Promise<{ items: GroupSettings[] }> {
    return this.request("GET", "/api/admin/groups");
  }

  saveGroup(group: GroupSettings): Promise<GroupSettings> {
    const { id, ...body } = group;
    return this.request("PUT", `/api/admin/groups/${encodeURIComponent(id)}`, body);
  }

  classification(): Promise<ClassificationSettings> {
    return this.request("GET", "/api/admin/classification");
  }

  saveClassification(settings: ClassificationSettings): Promise<ClassificationSettings> {
    return this.request("PUT", "/api/admin/classification", settings);
  }

  calendar(): Promise<CalendarSettings> {
    return this.request("GET", "/api/admin/calendar");
  }

  saveCalendar(calendar: CalendarSettings): Promise<CalendarSettings> {
    return this.request("PUT", "/api/admin/calendar", calendar);
  }

  /** The saved calendar's public holidays of `year`, named in `lang` where the country has it. */
  calendarHolidays(year: number, lang: string): Promise<PublicHolidays> {
    return this.request("GET", `/api/admin/calendar/holidays${queryString({ year, lang })}`);
  }

  slaPolicies(): Promise<{ policies: SlaPolicy[] }> {
    return this.request("GET", "/api/admin/sla");
  }

  /** Replaces the ordered list of policies (the first that matches a ticket applies); answers the saved list. */
  saveSlaPolicies(policies: SlaPolicyInput[]): Promise<{ policies: SlaPolicy[] }> {
    return this.request("PUT", "/api/admin/sla", { policies });
  }
}
