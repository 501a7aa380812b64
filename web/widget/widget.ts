// Sportello chat widget: one <script> tag on any website, a launcher button and a chat panel
// in a Shadow DOM (the page's styles do not leak in, ours do not leak out). No framework.
//
//   <script src="https://desk.example.com/widget.js" data-api="https://api.example.com"
//           data-title="Chat with us" data-lang="it" async></script>
//
// data-api defaults to the script's own origin; data-lang to the browser's language;
// data-color (any CSS colour) sets the accent.
import css from "./widget.css?inline";
import {
  ChatApi,
  ChatError,
  type ChatMessage,
  type KeyValueStore,
  type Lang,
  STRINGS,
  type StoredChat,
  type Strings,
  clearChat,
  format,
  loadChat,
  newMessages,
  normalizeApi,
  pickLang,
  pollDelay,
  renderMessage,
  safeStorage,
  saveChat,
  unreadCount,
} from "./core";

interface Options {
  api: string;
  lang: Lang;
  title: string;
  color: string;
}

const SVG = "http://www.w3.org/2000/svg";

function icon(doc: Document, path: string): SVGSVGElement {
  const svg = doc.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("width", "26");
  svg.setAttribute("height", "26");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  const shape = doc.createElementNS(SVG, "path");
  shape.setAttribute("d", path);
  shape.setAttribute("fill", "currentColor");
  svg.appendChild(shape);
  return svg;
}

const CHAT_ICON =
  "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 6a1.5 1.5 0 1 0 0 3 " +
  "1.5 1.5 0 0 0 0-3zm5 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm5 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3z";
const CLOSE_ICON =
  "M6.4 5 12 10.6 17.6 5 19 6.4 13.4 12 19 17.6 17.6 19 12 13.4 6.4 19 5 17.6 10.6 12 5 6.4z";

function el<K extends keyof HTMLElementTagNameMap>(
  doc: Document,
  tag: K,
  attributes: Record<string, string> = {},
  text?: string,
): HTMLElementTagNameMap[K] {
  const element = doc.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  if (text !== undefined) element.textContent = text;
  return element;
}

class ChatWidget {
  private readonly doc: Document;
  private readonly options: Options;
  private readonly strings: Strings;
  private readonly api: ChatApi;
  private readonly store: KeyValueStore;

  private chat: StoredChat | null;
  private messages: ChatMessage[] = [];
  private readonly shown = new Set<string>();
  private isOpen = false;
  private sending = false;
  private polling = false;
  private failures = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  private readonly host: HTMLElement;
  private readonly launcher: HTMLButtonElement;
  private readonly badge: HTMLElement;
  private readonly panel: HTMLElement;
  private readonly list: HTMLOListElement;
  private readonly empty: HTMLElement;
  private readonly notice: HTMLElement;
  private readonly nameRow: HTMLElement;
  private readonly nameInput: HTMLInputElement;
  private readonly input: HTMLTextAreaElement;
  private readonly sendButton: HTMLButtonElement;

  constructor(doc: Document, options: Options) {
    this.doc = doc;
    this.options = options;
    this.strings = STRINGS[options.lang];
    this.api = new ChatApi(options.api, (input, init) => fetch(input, init));
    this.store = safeStorage(() => window.localStorage);
    this.chat = loadChat(this.store, options.api, Date.now() / 1000);
    const s = this.strings;

    this.host = el(doc, "div", { "data-sportello-chat": "" });
    if (options.color && typeof CSS !== "undefined" && CSS.supports("color", options.color)) {
      this.host.style.setProperty("--sp-accent", options.color);
    }
    const root = this.host.attachShadow({ mode: "open" });
    const style = el(doc, "style", {}, css);
    root.appendChild(style);

    const wrapper = el(doc, "div", { class: "sp", lang: options.lang });
    root.appendChild(wrapper);

    // The panel
    this.panel = el(doc, "section", {
      class: "panel",
      id: "sp-panel",
      role: "dialog",
      "aria-modal": "false",
      "aria-labelledby": "sp-title",
      "data-testid": "chat-panel",
    });
    this.panel.hidden = true;
    const header = el(doc, "header", { class: "head" });
    header.appendChild(el(doc, "h2", { id: "sp-title", class: "title" }, options.title));
    const closeButton = el(doc, "button", {
      type: "button",
      class: "close",
      "aria-label": s.close,
      title: s.closeShort,
    });
    closeButton.appendChild(icon(doc, CLOSE_ICON));
    closeButton.addEventListener("click", () => this.close());
    header.appendChild(closeButton);
    this.panel.appendChild(header);

    const body = el(doc, "div", { class: "body" });
    this.empty = el(doc, "p", { class: "empty" }, s.empty);
    body.appendChild(this.empty);
    this.list = el(doc, "ol", { class: "list", role: "log", "aria-live": "polite", "aria-label": options.title });
    body.appendChild(this.list);
    this.panel.appendChild(body);

    this.notice = el(doc, "p", { class: "notice", role: "alert", "data-testid": "chat-notice" });
    this.notice.hidden = true;
    this.panel.appendChild(this.notice);

    const form = el(doc, "form", { class: "compose", novalidate: "" });
    this.nameRow = el(doc, "div", { class: "name-row" });
    this.nameInput = el(doc, "input", {
      type: "text",
      class: "name",
      maxlength: "100",
      autocomplete: "name",
      "aria-label": s.name,
      placeholder: s.name,
      "data-testid": "chat-name",
    });
    this.nameInput.value = this.chat?.name ?? "";
    this.nameRow.appendChild(this.nameInput);
    form.appendChild(this.nameRow);
    const row = el(doc, "div", { class: "input-row" });
    this.input = el(doc, "textarea", {
      class: "input",
      rows: "2",
      maxlength: "5000",
      "aria-label": s.message,
      placeholder: s.placeholder,
      "data-testid": "chat-input",
    });
    this.input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        void this.send();
      }
    });
    this.input.addEventListener("input", () => this.updateSendButton());
    row.appendChild(this.input);
    this.sendButton = el(doc, "button", { type: "submit", class: "send", "data-testid": "chat-send" }, s.send);
    row.appendChild(this.sendButton);
    form.appendChild(row);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.send();
    });
    this.panel.appendChild(form);
    this.panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.stopPropagation();
        this.close();
      }
    });
    wrapper.appendChild(this.panel);

    // The launcher
    this.launcher = el(doc, "button", {
      type: "button",
      class: "launcher",
      "aria-controls": "sp-panel",
      "aria-expanded": "false",
      "data-testid": "chat-launcher",
    });
    this.launcher.appendChild(icon(doc, CHAT_ICON));
    this.badge = el(doc, "span", { class: "badge", "aria-hidden": "true", "data-testid": "chat-unread" });
    this.badge.hidden = true;
    this.launcher.appendChild(this.badge);
    this.launcher.addEventListener("click", () => (this.isOpen ? this.close() : this.open()));
    wrapper.appendChild(this.launcher);

    doc.addEventListener("visibilitychange", () => {
      if (!doc.hidden && this.isOpen) void this.poll();
      else this.schedule();
    });

    this.updateLauncher();
    this.updateComposer();
    this.updateSendButton();
  }

  mount(): void {
    this.doc.body.appendChild(this.host);
    if (this.chat) void this.poll();
  }

  // --- opening and closing ---

  open(): void {
    if (this.isOpen) return;
    this.isOpen = true;
    this.panel.hidden = false;
    this.markSeen();
    this.updateLauncher();
    this.scrollToEnd();
    (this.nameRow.hidden || this.nameInput.value ? this.input : this.nameInput).focus();
    if (this.chat) void this.poll();
  }

  close(): void {
    if (!this.isOpen) return;
    const hadFocus = this.host.shadowRoot?.activeElement != null;
    this.isOpen = false;
    this.panel.hidden = true;
    this.updateLauncher();
    if (hadFocus) this.launcher.focus();
    this.schedule();
  }

  // --- polling ---

  private schedule(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.chat) return;
    const delay = pollDelay({ open: this.isOpen, hidden: this.doc.hidden, failures: this.failures });
    this.timer = setTimeout(() => void this.poll(), delay);
  }

  private async poll(): Promise<void> {
    if (!this.chat || this.polling) return;
    this.polling = true;
    const token = this.chat.token;
    try {
      const messages = await this.api.history(token);
      this.failures = 0;
      if (this.chat?.token === token) this.apply(messages);
    } catch (error) {
      if (error instanceof ChatError && error.kind === "session" && this.chat?.token === token) {
        this.endChat();
        this.showNotice(this.strings.ended);
      } else {
        this.failures += 1;
      }
    } finally {
      this.polling = false;
      this.schedule();
    }
  }

  private apply(messages: ChatMessage[]): void {
    this.messages = messages;
    const fresh = newMessages(messages, this.shown);
    for (const message of fresh) this.append(message);
    if (this.isOpen) this.markSeen();
    this.updateLauncher();
    this.updateComposer();
  }

  private append(message: ChatMessage): void {
    if (this.shown.has(message.id)) return;
    this.shown.add(message.id);
    this.list.appendChild(renderMessage(this.doc, message, this.strings, this.options.lang));
    this.scrollToEnd();
  }

  private markSeen(): void {
    if (!this.chat || (this.chat.seen ?? 0) === this.messages.length) return;
    this.chat.seen = this.messages.length;
    saveChat(this.store, this.options.api, this.chat);
  }

  private endChat(): void {
    clearChat(this.store, this.options.api);
    this.chat = null;
    this.messages = [];
    this.shown.clear();
    this.list.replaceChildren();
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.updateLauncher();
    this.updateComposer();
  }

  // --- sending ---

  private async send(): Promise<void> {
    const text = this.input.value.trim();
    if (!text || this.sending) return;
    this.sending = true;
    this.hideNotice();
    this.updateSendButton();
    const name = this.nameInput.value.trim();
    try {
      const message = await this.deliver(text, name);
      this.input.value = "";
      if (!this.messages.some((m) => m.id === message.id)) this.messages = [...this.messages, message];
      this.append(message);
      this.markSeen();
      this.updateComposer();
      this.schedule();
    } catch (error) {
      this.showNotice(this.explain(error));
    } finally {
      this.sending = false;
      this.updateSendButton();
      if (this.isOpen) this.input.focus();
    }
  }

  /** Sends with the stored session, or a new one; a refused session is replaced once. */
  private async deliver(text: string, name: string): Promise<ChatMessage> {
    for (let attempt = 0; ; attempt += 1) {
      if (!this.chat) {
        const session = await this.api.startSession();
        this.chat = { ...session, name, seen: 0 };
        saveChat(this.store, this.options.api, this.chat);
      } else if (name && this.chat.name !== name) {
        this.chat.name = name;
        saveChat(this.store, this.options.api, this.chat);
      }
      try {
        return await this.api.send(this.chat.token, text, name || this.chat.name || "");
      } catch (error) {
        if (error instanceof ChatError && error.kind === "session" && attempt === 0) {
          this.endChat();
          continue;
        }
        throw error;
      }
    }
  }

  private explain(error: unknown): string {
    if (!(error instanceof ChatError)) return this.strings.failed;
    switch (error.kind) {
      case "rate_limited":
        return this.strings.tooMany;
      case "network":
        return this.strings.network;
      case "session":
        return this.strings.ended;
      default:
        return this.strings.failed;
    }
  }

  // --- view state ---

  private showNotice(text: string): void {
    this.notice.textContent = text;
    this.notice.hidden = false;
  }

  private hideNotice(): void {
    this.notice.hidden = true;
    this.notice.textContent = "";
  }

  private updateLauncher(): void {
    const unread = this.isOpen || !this.chat ? 0 : unreadCount(this.messages, this.chat.seen ?? 0);
    this.badge.hidden = unread === 0;
    this.badge.textContent = unread > 9 ? "9+" : String(unread);
    let label = this.isOpen ? this.strings.close : this.strings.open;
    if (unread > 0) label += ` (${unread === 1 ? this.strings.unreadOne : format(this.strings.unread, { n: unread })})`;
    this.launcher.setAttribute("aria-label", label);
    this.launcher.setAttribute("aria-expanded", String(this.isOpen));
    this.launcher.classList.toggle("is-open", this.isOpen);
    this.launcher.replaceChild(icon(this.doc, this.isOpen ? CLOSE_ICON : CHAT_ICON), this.launcher.firstChild!);
  }

  private updateComposer(): void {
    const started = this.messages.length > 0;
    this.nameRow.hidden = started;
    this.empty.hidden = started;
  }

  private updateSendButton(): void {
    this.sendButton.disabled = this.sending || !this.input.value.trim();
    this.sendButton.textContent = this.sending ? this.strings.sending : this.strings.send;
  }

  private scrollToEnd(): void {
    const body = this.list.parentElement;
    if (body && !this.panel.hidden) body.scrollTop = body.scrollHeight;
  }
}

function findScript(doc: Document): HTMLScriptElement | null {
  const current = doc.currentScript;
  if (current instanceof HTMLScriptElement) return current;
  const scripts = doc.querySelectorAll<HTMLScriptElement>("script[src]");
  for (const script of Array.from(scripts).reverse()) {
    if (/\/widget\.js(?:[?#]|$)/.test(script.src)) return script;
  }
  return null;
}

function start(): void {
  const doc = document;
  if (doc.querySelector("[data-sportello-chat]")) return; // the tag is on the page twice
  const script = findScript(doc);
  const source = script?.src || doc.baseURI;
  const data = script?.dataset ?? {};
  const options: Options = {
    api: normalizeApi(data.api || new URL(source).origin, source),
    lang: pickLang(data.lang, navigator.language),
    title: "",
    color: data.color ?? "",
  };
  options.title = data.title?.trim() || STRINGS[options.lang].title;
  const mount = () => new ChatWidget(doc, options).mount();
  if (doc.body) mount();
  else doc.addEventListener("DOMContentLoaded", mount, { once: true });
}

start();
