import { describe, expect, it, vi } from "vitest";
import {
  ChatApi,
  ChatError,
  type ChatMessage,
  type KeyValueStore,
  POLL_CLOSED_MS,
  POLL_MAX_MS,
  POLL_OPEN_MS,
  STRINGS,
  clearChat,
  errorKind,
  loadChat,
  newMessages,
  normalizeApi,
  pickLang,
  pollDelay,
  renderMessage,
  safeStorage,
  saveChat,
  storageKey,
  unreadCount,
} from "./core";
import coreSource from "./core.ts?raw";
import widgetSource from "./widget.ts?raw";

class MemoryStore implements KeyValueStore {
  readonly data = new Map<string, string>();
  getItem(key: string) {
    return this.data.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    this.data.set(key, value);
  }
  removeItem(key: string) {
    this.data.delete(key);
  }
}

// A minimal DOM: enough for renderMessage, and it refuses any HTML parsing.
class FakeText {
  constructor(readonly data: string) {}
  get textContent() {
    return this.data;
  }
}

class FakeElement {
  readonly children: (FakeElement | FakeText)[] = [];
  readonly attributes = new Map<string, string>();
  className = "";
  constructor(readonly tagName: string) {}
  setAttribute(name: string, value: string) {
    this.attributes.set(name, value);
  }
  appendChild<T extends FakeElement | FakeText>(child: T): T {
    this.children.push(child);
    return child;
  }
  get textContent(): string {
    return this.children.map((c) => c.textContent).join("");
  }
  set innerHTML(_value: string) {
    throw new Error("innerHTML must never be used for message text");
  }
  insertAdjacentHTML() {
    throw new Error("insertAdjacentHTML must never be used for message text");
  }
}

const fakeDocument = {
  createElement: (tag: string) => new FakeElement(tag),
  createTextNode: (text: string) => new FakeText(text),
} as unknown as Document;

function message(overrides: Partial<ChatMessage> = {}): ChatMessage {
  return {
    id: "m1",
    from: "agent",
    author_name: "Marco",
    text: "Hello",
    created_at: "2026-03-02T10:15:00+00:00",
    ...overrides,
  };
}

describe("language", () => {
  it("prefers data-lang, then the browser, then English", () => {
    expect(pickLang("it", "en-GB")).toBe("it");
    expect(pickLang(null, "it-IT")).toBe("it");
    expect(pickLang("", "en-US")).toBe("en");
    expect(pickLang("fr", "it-CH")).toBe("it");
    expect(pickLang(undefined, "de-DE")).toBe("en");
  });

  it("has every string in Italian", () => {
    expect(Object.keys(STRINGS.it).sort()).toEqual(Object.keys(STRINGS.en).sort());
  });
});

describe("session storage", () => {
  const session = { token: "v1.2000000000.sig", visitor_id: "v1", expires_at: 2_000_000_000 };

  it("keys the session by the normalized API base", () => {
    expect(storageKey("https://api.example.com/")).toBe("sportello.chat:https://api.example.com");
    expect(storageKey("https://api.example.com")).toBe(storageKey("https://API.example.com/"));
    expect(storageKey("https://api.example.com/desk/")).toBe("sportello.chat:https://api.example.com/desk");
    expect(storageKey("https://a.example.com")).not.toBe(storageKey("https://b.example.com"));
  });

  it("keeps one session per desk", () => {
    const store = new MemoryStore();
    saveChat(store, "https://a.example.com", { ...session, name: "Zoe" });
    saveChat(store, "https://b.example.com/", { ...session, token: "other" });

    expect(loadChat(store, "https://a.example.com/", 1_000)).toMatchObject({ token: session.token, name: "Zoe" });
    expect(loadChat(store, "https://b.example.com", 1_000)?.token).toBe("other");

    clearChat(store, "https://a.example.com");
    expect(loadChat(store, "https://a.example.com", 1_000)).toBeNull();
    expect(loadChat(store, "https://b.example.com", 1_000)).not.toBeNull();
  });

  it("drops expired and unreadable sessions", () => {
    const store = new MemoryStore();
    saveChat(store, "https://a.example.com", { ...session, expires_at: 1_000 });
    expect(loadChat(store, "https://a.example.com", 2_000)).toBeNull();
    expect(store.data.size).toBe(0);

    store.setItem(storageKey("https://a.example.com"), "{not json");
    expect(loadChat(store, "https://a.example.com", 2_000)).toBeNull();
    expect(store.data.size).toBe(0);
  });

  it("falls back to memory when localStorage is blocked", () => {
    const blocked = safeStorage(() => {
      throw new DOMException("denied", "SecurityError");
    });
    blocked.setItem("k", "v");
    expect(blocked.getItem("k")).toBe("v");

    const real = new MemoryStore();
    expect(safeStorage(() => real)).toBe(real);
    expect(real.data.size).toBe(0);
  });
});

describe("rendering", () => {
  it("shows message text as text, never as HTML", () => {
    const hostile = '<img src=x onerror="alert(1)"><script>alert(2)</script>&amp;';
    const item = renderMessage(fakeDocument, message({ text: hostile, author_name: "<b>Eve</b>" }), STRINGS.en, "en");
    const fake = item as unknown as FakeElement;

    expect(fake.tagName).toBe("li");
    const [meta, text] = fake.children as FakeElement[];
    expect(text.children).toEqual([new FakeText(hostile)]);
    expect(meta.textContent.startsWith("<b>Eve</b> · ")).toBe(true);
    expect(fake.attributes.get("data-testid")).toBe("chat-message");
    expect(fake.attributes.get("data-from")).toBe("agent");
  });

  it("marks who wrote each message", () => {
    const mine = renderMessage(fakeDocument, message({ from: "visitor" }), STRINGS.it, "it") as unknown as FakeElement;
    expect(mine.attributes.get("data-from")).toBe("visitor");
    expect(mine.className).toBe("msg msg-visitor");
    expect((mine.children[0] as FakeElement).textContent).toMatch(/^Tu · \d\d:\d\d$/);

    const nameless = renderMessage(fakeDocument, message({ author_name: "" }), STRINGS.en, "en");
    const namelessMeta = (nameless as unknown as FakeElement).children[0] as FakeElement;
    expect(namelessMeta.textContent).toMatch(/^Support · /);
  });

  it("has no HTML-parsing sink anywhere in the widget", () => {
    for (const source of [coreSource, widgetSource]) {
      expect(source.length).toBeGreaterThan(1000);
      expect(source).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|DOMParser/);
    }
  });

  it("appends only messages not on screen yet", () => {
    const all = [message({ id: "a" }), message({ id: "b" }), message({ id: "c" })];
    expect(newMessages(all, new Set(["a", "b"])).map((m) => m.id)).toEqual(["c"]);
    expect(newMessages(all, new Set())).toHaveLength(3);
  });

  it("counts unseen agent messages only", () => {
    const all = [
      message({ id: "a", from: "visitor" }),
      message({ id: "b", from: "agent" }),
      message({ id: "c", from: "visitor" }),
      message({ id: "d", from: "agent" }),
    ];
    expect(unreadCount(all, 0)).toBe(2);
    expect(unreadCount(all, 2)).toBe(1);
    expect(unreadCount(all, 4)).toBe(0);
  });
});

describe("polling", () => {
  it("polls every 3 s while open and every 15 s while closed or hidden", () => {
    expect(pollDelay({ open: true })).toBe(POLL_OPEN_MS);
    expect(POLL_OPEN_MS).toBe(3_000);
    expect(pollDelay({ open: false })).toBe(POLL_CLOSED_MS);
    expect(POLL_CLOSED_MS).toBe(15_000);
    expect(pollDelay({ open: true, hidden: true })).toBe(POLL_CLOSED_MS);
  });

  it("backs off after failures, up to a minute", () => {
    expect([0, 1, 2, 3, 4, 5].map((failures) => pollDelay({ open: true, failures }))).toEqual([
      3_000, 6_000, 12_000, 24_000, 48_000, 60_000,
    ]);
    expect(pollDelay({ open: false, failures: 1 })).toBe(30_000);
    expect(pollDelay({ open: false, failures: 50 })).toBe(POLL_MAX_MS);
  });
});

describe("API client", () => {
  function reply(status: number, body: unknown) {
    return Promise.resolve(new Response(JSON.stringify(body), { status }));
  }

  it("sends the bearer token and the JSON body", async () => {
    const fetcher = vi.fn((_url: string, _init?: RequestInit) =>
      reply(201, message({ from: "visitor", text: "Hi" })),
    );
    const api = new ChatApi("https://api.example.com/", fetcher);

    await api.send("tok", "Hi", " Zoe ");

    const [url, init] = fetcher.mock.calls[0];
    expect(url).toBe("https://api.example.com/public/chat/messages");
    expect(init?.method).toBe("POST");
    expect(new Headers(init?.headers).get("Authorization")).toBe("Bearer tok");
    expect(JSON.parse(String(init?.body))).toEqual({ text: "Hi", name: "Zoe" });
  });

  it("omits an empty name", async () => {
    const fetcher = vi.fn((_url: string, _init?: RequestInit) => reply(201, message()));
    await new ChatApi("https://api.example.com", fetcher).send("tok", "Hi", "  ");
    expect(JSON.parse(String(fetcher.mock.calls[0][1]?.body))).toEqual({ text: "Hi" });
  });

  it("maps refusals to kinds the widget explains", async () => {
    const limited = new ChatApi("https://x", () => reply(429, { error: "rate_limited", message: "slow down" }));
    await expect(limited.send("t", "hi", "")).rejects.toMatchObject({ kind: "rate_limited", status: 429 });

    const refused = new ChatApi("https://x", () => reply(403, { error: "forbidden", message: "expired" }));
    await expect(refused.history("t")).rejects.toMatchObject({ kind: "session", message: "expired" });

    const offline = new ChatApi("https://x", () => Promise.reject(new TypeError("Failed to fetch")));
    await expect(offline.startSession()).rejects.toBeInstanceOf(ChatError);
    await expect(offline.startSession()).rejects.toMatchObject({ kind: "network", status: 0 });

    expect(errorKind(422)).toBe("invalid");
    expect(errorKind(502)).toBe("server");
  });

  it("reads the conversation", async () => {
    const api = new ChatApi("https://x", () => reply(200, { messages: [message()] }));
    expect(await api.history("t")).toEqual([message()]);
  });

  it("normalizes the API base", () => {
    expect(normalizeApi("https://api.example.com/")).toBe("https://api.example.com");
    expect(normalizeApi("/desk/", "https://shop.example.com/widget.js")).toBe("https://shop.example.com/desk");
    expect(normalizeApi("https://api.example.com/base?x=1")).toBe("https://api.example.com/base");
  });
});
