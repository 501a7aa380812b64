// The chat widget's parts that need no page: strings, session storage, the public API client,
// the polling schedule and message rendering (text only, never HTML).

export type Lang = "en" | "it";

const en = {
  open: "Open chat",
  close: "Close chat",
  closeShort: "Close",
  title: "Chat with us",
  name: "Your name (optional)",
  message: "Message",
  placeholder: "Type your message…",
  send: "Send",
  sending: "Sending…",
  empty: "Hi! Send us a message and we will answer here.",
  you: "You",
  agent: "Support",
  unreadOne: "1 new message",
  unread: "{n} new messages",
  tooMany: "Too many messages, please wait",
  network: "We could not reach the help desk. Please try again.",
  failed: "The message could not be sent.",
  ended: "This chat has ended. Send a message to start a new one.",
};

export type Strings = typeof en;

const it: Strings = {
  open: "Apri la chat",
  close: "Chiudi la chat",
  closeShort: "Chiudi",
  title: "Scrivici",
  name: "Il tuo nome (facoltativo)",
  message: "Messaggio",
  placeholder: "Scrivi un messaggio…",
  send: "Invia",
  sending: "Invio…",
  empty: "Ciao! Scrivici un messaggio e ti risponderemo qui.",
  you: "Tu",
  agent: "Assistenza",
  unreadOne: "1 nuovo messaggio",
  unread: "{n} nuovi messaggi",
  tooMany: "Troppi messaggi, attendi un momento",
  network: "Non riusciamo a raggiungere l'assistenza. Riprova.",
  failed: "Non è stato possibile inviare il messaggio.",
  ended: "Questa chat è terminata. Invia un messaggio per iniziarne una nuova.",
};

export const STRINGS: Record<Lang, Strings> = { en, it };

/** `data-lang` when it is English or Italian, else the browser's language; English otherwise. */
export function pickLang(attribute: string | null | undefined, browser: string | null | undefined): Lang {
  for (const candidate of [attribute, browser]) {
    const code = (candidate ?? "").trim().toLowerCase().slice(0, 2);
    if (code === "it" || code === "en") return code;
  }
  return "en";
}

export function format(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => (key in values ? String(values[key]) : whole));
}

// --- the public API ------------------------------------------------------------------------------

export interface ChatMessage {
  id: string;
  from: "visitor" | "agent";
  author_name: string;
  text: string;
  created_at: string;
}

export interface ChatSession {
  token: string;
  visitor_id: string;
  expires_at: number; // seconds since the epoch
}

export type ChatErrorKind = "rate_limited" | "session" | "invalid" | "network" | "server";

export class ChatError extends Error {
  readonly kind: ChatErrorKind;
  readonly status: number;

  constructor(kind: ChatErrorKind, status: number, message: string) {
    super(message);
    this.name = "ChatError";
    this.kind = kind;
    this.status = status;
  }
}

export function errorKind(status: number): ChatErrorKind {
  if (status === 429) return "rate_limited";
  if (status === 401 || status === 403) return "session";
  if (status === 400 || status === 422) return "invalid";
  if (status === 0) return "network";
  return "server";
}

/** The API base as written in `data-api` (or the script's origin), resolved and without a trailing slash. */
export function normalizeApi(api: string, relativeTo?: string): string {
  let resolved = api.trim();
  try {
    resolved = new URL(resolved, relativeTo).href;
  } catch {
    // keep it as written: fetch will report the problem
  }
  return resolved.replace(/[?#].*$/, "").replace(/\/+$/, "");
}

export type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

export class ChatApi {
  readonly base: string;
  private readonly fetcher: Fetch;

  constructor(base: string, fetcher: Fetch) {
    this.base = normalizeApi(base);
    this.fetcher = fetcher;
  }

  private async call<T>(method: string, path: string, token?: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response: Response;
    try {
      response = await this.fetcher(`${this.base}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: "omit",
        cache: "no-store",
      });
    } catch (error) {
      throw new ChatError("network", 0, error instanceof Error ? error.message : String(error));
    }
    let payload: unknown = null;
    try {
      payload = await response.json();
    } catch {
      payload = null;
    }
    if (!response.ok) {
      const message =
        payload && typeof payload === "object" && typeof (payload as { message?: unknown }).message === "string"
          ? (payload as { message: string }).message
          : `HTTP ${response.status}`;
      throw new ChatError(errorKind(response.status), response.status, message);
    }
    return payload as T;
  }

  startSession(): Promise<ChatSession> {
    return this.call<ChatSession>("POST", "/public/chat/sessions");
  }

  send(token: string, text: string, name: string): Promise<ChatMessage> {
    const body: { text: string; name?: string } = { text };
    if (name.trim()) body.name = name.trim();
    return this.call<ChatMessage>("POST", "/public/chat/messages", token, body);
  }

  async history(token: string): Promise<ChatMessage[]> {
    const payload = await this.call<{ messages?: ChatMessage[] }>("GET", "/public/chat/messages", token);
    return Array.isArray(payload?.messages) ? payload.messages : [];
  }
}

// --- the session, kept per API base ---------------------------------------------------------------

/** What the widget keeps in localStorage for one desk. */
export interface StoredChat extends ChatSession {
  name?: string;
  /** How many messages of the conversation the visitor has seen (for the unread badge). */
  seen?: number;
}

export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export function storageKey(api: string): string {
  return `sportello.chat:${normalizeApi(api)}`;
}

/** localStorage, or memory when the page may not use it (blocked third-party storage, private modes). */
export function safeStorage(candidate: () => KeyValueStore | null | undefined): KeyValueStore {
  const memory = new Map<string, string>();
  const fallback: KeyValueStore = {
    getItem: (key) => memory.get(key) ?? null,
    setItem: (key, value) => void memory.set(key, value),
    removeItem: (key) => void memory.delete(key),
  };
  try {
    const store = candidate();
    if (!store) return fallback;
    const probe = "sportello.chat:probe";
    store.setItem(probe, "1");
    store.removeItem(probe);
    return store;
  } catch {
    return fallback;
  }
}

export function loadChat(store: KeyValueStore, api: string, nowSeconds: number): StoredChat | null {
  const key = storageKey(api);
  let raw: string | null;
  try {
    raw = store.getItem(key);
  } catch {
    return null;
  }
  if (!raw) return null;
  try {
    const value = JSON.parse(raw) as Partial<StoredChat>;
    if (typeof value.token !== "string" || !value.token) throw new Error("no token");
    if (typeof value.expires_at === "number" && value.expires_at <= nowSeconds + 60) throw new Error("expired");
    return {
      token: value.token,
      visitor_id: typeof value.visitor_id === "string" ? value.visitor_id : "",
      expires_at: typeof value.expires_at === "number" ? value.expires_at : 0,
      name: typeof value.name === "string" ? value.name : undefined,
      seen: typeof value.seen === "number" && value.seen >= 0 ? value.seen : 0,
    };
  } catch {
    clearChat(store, api);
    return null;
  }
}

export function saveChat(store: KeyValueStore, api: string, chat: StoredChat): void {
  try {
    store.setItem(storageKey(api), JSON.stringify(chat));
  } catch {
    // full or blocked: the chat still works for this page view
  }
}

export function clearChat(store: KeyValueStore, api: string): void {
  try {
    store.removeItem(storageKey(api));
  } catch {
    // nothing to do
  }
}

// --- polling ---------------------------------------------------------------------------------------

export const POLL_OPEN_MS = 3_000;
export const POLL_CLOSED_MS = 15_000;
export const POLL_MAX_MS = 60_000;

/**
 * Milliseconds until the next poll: every 3 s while the panel is open, every 15 s while it is closed
 * or the page is hidden, doubling after each failed poll up to a minute.
 */
export function pollDelay(state: { open: boolean; hidden?: boolean; failures?: number }): number {
  const base = state.open && !state.hidden ? POLL_OPEN_MS : POLL_CLOSED_MS;
  const failures = Math.max(0, Math.min(state.failures ?? 0, 10));
  return Math.min(base * 2 ** failures, Math.max(base, POLL_MAX_MS));
}

/** Agent messages the visitor has not seen yet. */
export function unreadCount(messages: readonly ChatMessage[], seen: number): number {
  return messages.slice(Math.max(0, seen)).filter((m) => m.from === "agent").length;
}

/** Messages not on screen yet, in order (the conversation only grows). */
export function newMessages(messages: readonly ChatMessage[], shown: ReadonlySet<string>): ChatMessage[] {
  return messages.filter((m) => m && typeof m.id === "string" && !shown.has(m.id));
}

// --- rendering -------------------------------------------------------------------------------------

export function timeLabel(iso: string, lang: Lang): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  return date.toLocaleTimeString(lang === "it" ? "it-IT" : "en-GB", { hour: "2-digit", minute: "2-digit" });
}

/** An element with text content only: whatever a message says is shown, never interpreted. */
export function textElement(doc: Document, tag: string, className: string, text: string): HTMLElement {
  const element = doc.createElement(tag);
  element.className = className;
  element.appendChild(doc.createTextNode(text));
  return element;
}

export function renderMessage(doc: Document, message: ChatMessage, strings: Strings, lang: Lang): HTMLElement {
  const from = message.from === "agent" ? "agent" : "visitor";
  const item = doc.createElement("li");
  item.className = `msg msg-${from}`;
  item.setAttribute("data-testid", "chat-message");
  item.setAttribute("data-from", from);
  item.setAttribute("data-id", String(message.id));
  const author = from === "agent" ? message.author_name || strings.agent : strings.you;
  const meta = [author, timeLabel(message.created_at, lang)].filter(Boolean).join(" · ");
  item.appendChild(textElement(doc, "span", "msg-meta", meta));
  item.appendChild(textElement(doc, "p", "msg-text", String(message.text ?? "")));
  return item;
}
