// The contact form's parts that need no page: strings, the API base, the attachment limit,
// and what to tell the customer for each answer of POST /public/form.

export type Lang = "en" | "it";

const en = {
  title: "Contact us",
  language: "Language",
  intro: "Send us a message and we will reply by email.",
  name: "Name",
  email: "Email",
  subject: "Subject",
  message: "Message",
  files: "Attachments",
  filesHint: "Optional; 10 MB in total at most.",
  submit: "Send",
  sending: "Sending…",
  noscript: "This form needs JavaScript.",
  thanks: "Thank you! We have received your message and will reply by email.",
  thanksTicket: "Thank you! We have received your message: your ticket number is #{ticket}. We will reply by email.",
  another: "Send another message",
  required: "Please enter your email address and a message.",
  badEmail: "Please enter a valid email address.",
  tooLarge: "The attachments are {size} in total; the limit is 10 MB.",
  rateLimited: "We have received several messages from your connection. Please try again later.",
  network: "We could not reach the help desk. Check your connection and try again.",
  failed: "Your message could not be sent. Please try again later.",
};

export type Strings = typeof en;

const it: Strings = {
  title: "Contattaci",
  language: "Lingua",
  intro: "Scrivici un messaggio: ti risponderemo via email.",
  name: "Nome",
  email: "Email",
  subject: "Oggetto",
  message: "Messaggio",
  files: "Allegati",
  filesHint: "Facoltativi; al massimo 10 MB in totale.",
  submit: "Invia",
  sending: "Invio…",
  noscript: "Questo modulo richiede JavaScript.",
  thanks: "Grazie! Abbiamo ricevuto il tuo messaggio e ti risponderemo via email.",
  thanksTicket:
    "Grazie! Abbiamo ricevuto il tuo messaggio: il numero del tuo ticket è #{ticket}. Ti risponderemo via email.",
  another: "Invia un altro messaggio",
  required: "Inserisci il tuo indirizzo email e un messaggio.",
  badEmail: "Inserisci un indirizzo email valido.",
  tooLarge: "Gli allegati occupano {size} in totale; il limite è 10 MB.",
  rateLimited: "Abbiamo ricevuto diversi messaggi dalla tua connessione. Riprova più tardi.",
  network: "Non riusciamo a raggiungere l'assistenza. Controlla la connessione e riprova.",
  failed: "Non è stato possibile inviare il messaggio. Riprova più tardi.",
};

export const STRINGS: Record<Lang, Strings> = { en, it };

export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;

export function format(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => (key in values ? String(values[key]) : whole));
}

/** `?lang=` when it is English or Italian, else the browser's language; English otherwise. */
export function pickLang(query: string | null | undefined, browser: string | null | undefined): Lang {
  for (const candidate of [query, browser]) {
    const code = (candidate ?? "").trim().toLowerCase().slice(0, 2);
    if (code === "it" || code === "en") return code;
  }
  return "en";
}

/**
 * Where to post: `?api=` (absolute, or relative to the page), else the `apiBase` of the desk's
 * config.json (a deployment's API lives on its own domain), else the page's own origin.
 * Never a trailing slash.
 */
export function apiBase(pageUrl: string, configured?: unknown): string {
  const page = new URL(pageUrl);
  for (const candidate of [page.searchParams.get("api"), configured]) {
    if (typeof candidate !== "string" || !candidate.trim()) continue;
    try {
      const url = new URL(candidate.trim(), page);
      if (url.protocol !== "https:" && url.protocol !== "http:") continue;
      return url.href.replace(/[?#].*$/, "").replace(/\/+$/, "");
    } catch {
      // not a URL: try the next one
    }
  }
  return page.origin;
}

export function totalSize(files: ArrayLike<{ size: number }>): number {
  let total = 0;
  for (let i = 0; i < files.length; i += 1) total += files[i].size;
  return total;
}

export function humanSize(bytes: number, lang: Lang): string {
  const mb = bytes / (1024 * 1024);
  const value = mb >= 10 ? mb.toFixed(0) : mb.toFixed(1);
  return `${lang === "it" ? value.replace(".", ",") : value} MB`;
}

/** The first problem with what the customer typed, or null. */
export function validate(
  fields: { email: string; message: string },
  files: ArrayLike<{ size: number }>,
  strings: Strings,
  lang: Lang,
): string | null {
  if (!fields.email.trim() || !fields.message.trim()) return strings.required;
  if (!/^[^\s@]+@[^\s@]+$/.test(fields.email.trim())) return strings.badEmail;
  const size = totalSize(files);
  if (size > MAX_ATTACHMENT_BYTES) return format(strings.tooLarge, { size: humanSize(size, lang) });
  return null;
}

export interface Outcome {
  ok: boolean;
  text: string;
}

/** What to show for the API's answer (status and parsed JSON body, when there was one). */
export function outcome(status: number, body: unknown, strings: Strings): Outcome {
  const payload = body && typeof body === "object" ? (body as Record<string, unknown>) : {};
  if (status === 201 || status === 200) {
    const ticket = payload.ticket;
    return typeof ticket === "number" || (typeof ticket === "string" && /^\d+$/.test(ticket))
      ? { ok: true, text: format(strings.thanksTicket, { ticket: String(ticket) }) }
      : { ok: true, text: strings.thanks };
  }
  if (status === 429) return { ok: false, text: strings.rateLimited };
  if (status === 413) return { ok: false, text: format(strings.tooLarge, { size: "> 10 MB" }) };
  if (status === 0) return { ok: false, text: strings.network };
  if ((status === 422 || status === 400) && typeof payload.message === "string" && payload.message.trim()) {
    return { ok: false, text: payload.message };
  }
  return { ok: false, text: strings.failed };
}
