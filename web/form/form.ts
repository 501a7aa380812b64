// Sportello public contact form: posts multipart/form-data to {api}/public/form.
// The API base is `?api=…`, else config.json's `apiBase` (as the agent app reads it), else this
// page's origin; the language follows `?lang=`, the browser, or the switch.
import "./form.css";
import { type Lang, STRINGS, apiBase, outcome, pickLang, validate } from "./logic";

const page = new URL(window.location.href);
let api: Promise<string> | null = null;

/** The API base, looked up once: config.json is only read when there is no `?api=`. */
function resolveApi(): Promise<string> {
  if (api) return api;
  if (page.searchParams.get("api")) return (api = Promise.resolve(apiBase(page.href)));
  api = fetch("./config.json", { cache: "no-store", credentials: "omit" })
    .then((response) => (response.ok ? response.json() : null))
    .then((config: unknown) => apiBase(page.href, (config as { apiBase?: unknown } | null)?.apiBase))
    .catch(() => apiBase(page.href));
  return api;
}
let lang: Lang = pickLang(page.searchParams.get("lang"), navigator.language);

const form = document.getElementById("contact") as HTMLFormElement;
const files = document.getElementById("files") as HTMLInputElement;
const submit = document.getElementById("submit") as HTMLButtonElement;
const result = document.getElementById("result") as HTMLDivElement;
const switcher = document.getElementById("lang") as HTMLSelectElement;
let sending = false;

function applyLanguage(): void {
  const strings = STRINGS[lang];
  document.documentElement.lang = lang;
  for (const element of Array.from(document.querySelectorAll<HTMLElement>("[data-i18n]"))) {
    const key = element.dataset.i18n as keyof typeof strings;
    if (key in strings) element.textContent = strings[key];
  }
  document.title = strings.title;
  switcher.value = lang;
  if (sending) submit.textContent = strings.sending;
}

function show(text: string, ok: boolean): void {
  result.replaceChildren();
  const paragraph = document.createElement("p");
  paragraph.textContent = text; // the server's message is text, never markup
  result.appendChild(paragraph);
  if (ok) {
    const again = document.createElement("button");
    again.type = "button";
    again.className = "link";
    again.dataset.i18n = "another"; // follows the language switch
    again.textContent = STRINGS[lang].another;
    again.addEventListener("click", () => {
      form.reset();
      form.hidden = false;
      result.hidden = true;
      (document.getElementById("name") as HTMLInputElement).focus();
    });
    result.appendChild(again);
  }
  result.className = `result ${ok ? "success" : "error"}`;
  result.setAttribute("role", ok ? "status" : "alert");
  result.hidden = false;
  if (ok) {
    form.hidden = true;
    result.focus();
  }
}

function value(name: string): string {
  const field = form.elements.namedItem(name);
  return field instanceof HTMLInputElement || field instanceof HTMLTextAreaElement ? field.value : "";
}

async function send(event: SubmitEvent): Promise<void> {
  event.preventDefault();
  if (sending) return;
  const strings = STRINGS[lang];
  const chosen = files.files ?? ([] as unknown as FileList);
  const problem = validate({ email: value("email"), message: value("message") }, chosen, strings, lang);
  if (problem) {
    show(problem, false);
    let target: string;
    if (problem === strings.badEmail || (problem === strings.required && !value("email").trim())) target = "email";
    else if (problem === strings.required) target = "message";
    else target = "files";
    (document.getElementById(target) as HTMLElement).focus();
    return;
  }
  const body = new FormData();
  for (const name of ["name", "email", "subject", "message", "website"]) body.append(name, value(name));
  for (const file of Array.from(chosen)) body.append("attachments", file, file.name);

  sending = true;
  submit.disabled = true;
  submit.textContent = strings.sending;
  result.hidden = true;
  let status = 0;
  let payload: unknown = null;
  try {
    const url = `${await resolveApi()}/public/form`;
    const response = await fetch(url, { method: "POST", body, credentials: "omit" });
    status = response.status;
    payload = await response.json().catch(() => null);
  } catch {
    status = 0;
  } finally {
    sending = false;
    submit.disabled = false;
    submit.textContent = STRINGS[lang].submit;
  }
  const { ok, text } = outcome(status, payload, STRINGS[lang]);
  show(text, ok);
}

switcher.addEventListener("change", () => {
  lang = switcher.value === "it" ? "it" : "en";
  applyLanguage();
});
form.addEventListener("submit", (event) => void send(event));
applyLanguage();
void resolveApi();
