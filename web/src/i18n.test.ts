import { describe, expect, it } from "vitest";
import { dictionaries, interpolate, langFromNavigator, LANGUAGES, optionKey, translator } from "./i18n";
import { VIEWS } from "./router";
import { CHANNELS, EVENT_KINDS, IDENTITY_KINDS, PRIORITIES, SLA_STATES, SLA_TARGETS, SLA_TIERS, STATUSES, TICKET_TYPES } from "./types";

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe("i18n dictionaries", () => {
  const en = dictionaries.en;
  const keys = Object.keys(en).sort();

  it.each(LANGUAGES)("%s has exactly the reference keys, all non-empty", (lang) => {
    const dict = dictionaries[lang] as Record<string, string>;
    expect(Object.keys(dict).sort()).toEqual(keys);
    for (const k of keys) {
      expect(typeof dict[k], k).toBe("string");
      expect(dict[k].trim(), k).not.toBe("");
    }
  });

  it.each(LANGUAGES)("%s uses the same placeholders as English", (lang) => {
    const dict = dictionaries[lang] as Record<string, string>;
    for (const k of keys) expect(placeholders(dict[k]), k).toEqual(placeholders((en as Record<string, string>)[k]));
  });

  it("has a label for every status, priority, type, channel, view and identity kind", () => {
    for (const s of STATUSES) expect(optionKey("status", s)).not.toBeNull();
    for (const p of PRIORITIES) expect(optionKey("priority", p)).not.toBeNull();
    for (const x of TICKET_TYPES) expect(optionKey("type", x)).not.toBeNull();
    for (const c of CHANNELS) expect(optionKey("channel", c)).not.toBeNull();
    for (const v of VIEWS) expect(keys).toContain(v.label);
    for (const k of IDENTITY_KINDS) expect(keys).toContain(`identity.${k}`);
    for (const k of EVENT_KINDS) expect(optionKey("event", k)).not.toBeNull();
    expect(optionKey("status", "bogus")).toBeNull();
  });

  it("has a label for every SLA target, state and customer tier", () => {
    for (const target of SLA_TARGETS) expect(optionKey("slaTarget", target)).not.toBeNull();
    for (const state of SLA_STATES) expect(optionKey("slaState", state)).not.toBeNull();
    for (const tier of SLA_TIERS) expect(optionKey("slaTier", tier)).not.toBeNull();
    expect(translator("it")("slaTarget.first_reply")).toBe("Prima risposta");
    expect(translator("it")("slaTarget.next_reply")).toBe("Risposta successiva");
    expect(translator("it")("slaTarget.resolution")).toBe("Risoluzione");
  });

  it("keeps the conflict notice text the tests look for", () => {
    expect(translator("en")("notice.conflict")).toBe("This ticket was changed by someone else; reloaded.");
  });

  it("interpolates placeholders and leaves unknown ones", () => {
    expect(interpolate("Hi {name}, {x}", { name: "Ada" })).toBe("Hi Ada, {x}");
    expect(translator("it")("history.title", { count: 3 })).toBe("Cronologia (3)");
  });

  it("picks the language from the browser", () => {
    expect(langFromNavigator(["it-IT", "en"])).toBe("it");
    expect(langFromNavigator(["de-DE", "it"])).toBe("it");
    expect(langFromNavigator(["fr-FR"])).toBe("en");
    expect(langFromNavigator([])).toBe("en");
    expect(langFromNavigator(undefined)).toBe("en");
  });
});
