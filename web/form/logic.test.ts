import { describe, expect, it } from "vitest";
import { MAX_ATTACHMENT_BYTES, STRINGS, apiBase, humanSize, outcome, pickLang, validate } from "./logic";

const en = STRINGS.en;

describe("contact form", () => {
  it("has every string in Italian", () => {
    expect(Object.keys(STRINGS.it).sort()).toEqual(Object.keys(STRINGS.en).sort());
  });

  it("picks the language from ?lang=, then the browser", () => {
    expect(pickLang("it", "en-GB")).toBe("it");
    expect(pickLang(null, "it-IT")).toBe("it");
    expect(pickLang(null, "de")).toBe("en");
  });

  it("posts to ?api= or the page's own origin", () => {
    expect(apiBase("https://desk.example.com/form.html")).toBe("https://desk.example.com");
    expect(apiBase("https://desk.example.com/form.html?api=https://api.example.com/")).toBe("https://api.example.com");
    expect(apiBase("https://desk.example.com/form.html?api=javascript:alert(1)")).toBe("https://desk.example.com");
    expect(apiBase("https://desk.example.com/x/form.html?api=/v1")).toBe("https://desk.example.com/v1");
  });

  it("falls back to the apiBase of config.json, then the page's origin", () => {
    expect(apiBase("https://desk.example.com/form.html", "https://api.example.com/")).toBe("https://api.example.com");
    expect(apiBase("https://desk.example.com/form.html?api=https://other.example.com", "https://api.example.com")).toBe(
      "https://other.example.com",
    );
    expect(apiBase("https://desk.example.com/form.html", "")).toBe("https://desk.example.com");
    expect(apiBase("https://desk.example.com/form.html", 42)).toBe("https://desk.example.com");
  });

  it("checks the required fields and the 10 MB total before sending", () => {
    const ok = { email: "anna@example.it", message: "Buongiorno" };
    expect(validate(ok, [], en, "en")).toBeNull();
    expect(validate({ ...ok, email: " " }, [], en, "en")).toBe(en.required);
    expect(validate({ ...ok, message: "" }, [], en, "en")).toBe(en.required);
    expect(validate({ ...ok, email: "anna" }, [], en, "en")).toBe(en.badEmail);
    const half = MAX_ATTACHMENT_BYTES / 2;
    expect(validate(ok, [{ size: half }, { size: half }], en, "en")).toBeNull();
    expect(validate(ok, [{ size: half }, { size: half + 1 }], en, "en")).toBe(
      "The attachments are 10 MB in total; the limit is 10 MB.",
    );
    expect(humanSize(3.5 * 1024 * 1024, "it")).toBe("3,5 MB");
  });

  it("explains each answer of the API", () => {
    expect(outcome(201, { status: "received", ticket: 42 }, en)).toEqual({
      ok: true,
      text: "Thank you! We have received your message: your ticket number is #42. We will reply by email.",
    });
    expect(outcome(201, { status: "received" }, en)).toEqual({ ok: true, text: en.thanks });
    expect(outcome(422, { error: "invalid", message: "an email address is required" }, en)).toEqual({
      ok: false,
      text: "an email address is required",
    });
    expect(outcome(429, { error: "rate_limited", message: "too many" }, en)).toEqual({
      ok: false,
      text: en.rateLimited,
    });
    expect(outcome(0, null, en).text).toBe(en.network);
    expect(outcome(500, null, en).text).toBe(en.failed);
  });
});
