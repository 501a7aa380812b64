import { describe, expect, it } from "vitest";
import { calendarDay, fileSize, parseTags, relativeTime } from "./format";
import { buildPatch } from "./ticketForm";
import type { Ticket } from "./types";

describe("format", () => {
  const now = Date.parse("2025-03-10T12:00:00Z");

  it("formats a holiday's date in both languages, whatever the time zone", () => {
    expect(calendarDay("2026-12-25", "en")).toBe("Fri 25 December");
    expect(calendarDay("2026-12-25", "it")).toBe("ven 25 dicembre");
    expect(calendarDay("not a date", "en")).toBe("not a date");
  });

  it("formats relative times in both languages", () => {
    expect(relativeTime("2025-03-10T11:59:50Z", "en", now)).toBe("now");
    expect(relativeTime("2025-03-10T11:55:00Z", "en", now)).toBe("5 minutes ago");
    expect(relativeTime("2025-03-10T09:00:00Z", "it", now)).toBe("3 ore fa");
    expect(relativeTime("2025-03-09T12:00:00Z", "en", now)).toBe("yesterday");
    expect(relativeTime("not a date", "en", now)).toBe("not a date");
  });

  it("parses tags", () => {
    expect(parseTags(" vip, billing ,, vip,")).toEqual(["vip", "billing"]);
    expect(parseTags("")).toEqual([]);
  });

  it("formats sizes", () => {
    expect(fileSize(512)).toBe("512 B");
    expect(fileSize(2048)).toBe("2.0 KB");
  });
});

describe("buildPatch", () => {
  const ticket = {
    number: 1,
    status: "open",
    priority: "normal",
    type: null,
    tags: ["a", "b"],
    group: "g1",
    assignee: null,
    version: 3,
  } as unknown as Ticket;

  it("sends only fields that changed", () => {
    expect(buildPatch(ticket, {})).toEqual({});
    expect(buildPatch(ticket, { status: "open", tags: "a, b", type: "" })).toEqual({});
    expect(buildPatch(ticket, { status: "pending", assignee: "ag1", group: "", type: "task", tags: "a" })).toEqual({
      status: "pending",
      assignee: "ag1",
      group: null,
      type: "task",
      tags: ["a"],
    });
  });
});
