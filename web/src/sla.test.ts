import { describe, expect, it } from "vitest";
import { translator } from "./i18n";
import {
  badgeText,
  badgeTitle,
  formatDuration,
  formatLeft,
  mostUrgent,
  secondsLeft,
  slaEventLine,
  slaTone,
  targetName,
  type Countdown,
} from "./sla";
import type { SlaTargetView, TicketEvent } from "./types";

const en = translator("en");
const it_ = translator("it");
const RECEIVED = Date.parse("2026-12-02T09:00:00Z");
const MINUTE = 60;
const HOUR = 3600;

/** A running target, due as its time left says (the desk open until then) unless `over` says otherwise. */
const countdown = (over: Partial<Countdown> = {}): Countdown => {
  const left = over.left_seconds ?? 2 * HOUR;
  return {
    target: "first_reply",
    state: "running",
    due_at: new Date(RECEIVED + left * 1000).toISOString(),
    left_seconds: left,
    business: true,
    received_at: RECEIVED,
    ...over,
  };
};

const view = (over: Partial<SlaTargetView>): SlaTargetView => ({
  target: "first_reply",
  state: "running",
  cycle: 1,
  business: true,
  target_seconds: 4 * HOUR,
  started_at: "2026-12-02T08:00:00Z",
  due_at: "2026-12-02T12:00:00Z",
  warn_at: "2026-12-02T11:00:00Z",
  met_at: null,
  left_seconds: 3 * HOUR,
  ...over,
});

describe("time left as a badge reads it", () => {
  it.each([
    [0, "<1m"],
    [59, "<1m"],
    [60, "1m"],
    [45 * MINUTE + 59, "45m"],
    [HOUR, "1h"],
    [HOUR + 20 * MINUTE, "1h 20m"],
    [26 * HOUR + 5 * MINUTE, "1d 2h"],
    [48 * HOUR + 30 * MINUTE, "2d"],
  ])("%i s left is %s", (seconds, shown) => {
    expect(formatDuration(seconds, en)).toBe(shown);
    expect(formatLeft(seconds, en)).toBe(shown);
  });

  it("counts overdue time in whole minutes started, with a minus sign", () => {
    expect(formatLeft(-1, en)).toBe("−1m");
    expect(formatLeft(-15 * MINUTE, en)).toBe("−15m");
    expect(formatLeft(-(15 * MINUTE + 1), en)).toBe("−16m");
    expect(formatLeft(-(HOUR + 5 * MINUTE), en)).toBe("−1h 5m");
  });

  it("says days as giorni in Italian", () => {
    expect(formatLeft(26 * HOUR, it_)).toBe("1g 2h");
    expect(formatLeft(-(80 * MINUTE), it_)).toBe("−1h 20m");
  });
});

describe("the countdown", () => {
  it("ticks down from when the answer arrived", () => {
    const c = countdown({ due_at: "2026-12-02T10:20:00Z", left_seconds: HOUR + 20 * MINUTE });
    expect(secondsLeft(c, RECEIVED)).toBe(HOUR + 20 * MINUTE);
    expect(badgeText(c, RECEIVED + 30_000, en)).toBe("1h 19m");
    expect(badgeText(c, RECEIVED + (HOUR + 35 * MINUTE) * 1000, en)).toBe("−15m");
  });

  it("rests at zero over closed hours: overdue only from its due time, and no more than the time since", () => {
    // 2 business hours left at 17:00, due at 10:00 the next morning, the page left open overnight
    const evening = Date.parse("2026-12-02T17:00:00Z");
    const c = countdown({ due_at: "2026-12-03T10:00:00Z", left_seconds: 2 * HOUR, received_at: evening });
    expect(secondsLeft(c, evening + HOUR * 1000)).toBe(HOUR);
    expect(secondsLeft(c, Date.parse("2026-12-03T02:00:00Z"))).toBe(0);
    expect(slaTone(c, Date.parse("2026-12-03T02:00:00Z"))).toBe("warning");
    expect(badgeText(c, Date.parse("2026-12-03T10:15:00Z"), en)).toBe("−15m");
    expect(slaTone(c, Date.parse("2026-12-03T10:15:00Z"))).toBe("breached");
  });

  it("stands still while paused, and says so", () => {
    const c = countdown({ state: "paused", due_at: null, left_seconds: 50 * MINUTE });
    expect(secondsLeft(c, RECEIVED + HOUR * 1000)).toBe(50 * MINUTE);
    expect(badgeText(c, RECEIVED, en)).toBe("paused");
    expect(badgeText(c, RECEIVED, it_)).toBe("in pausa");
  });

  it("is a check once met, with no time left", () => {
    const c = countdown({ state: "met", left_seconds: null, met_at: "2026-12-02T09:30:00Z" });
    expect(secondsLeft(c, RECEIVED)).toBeNull();
    expect(badgeText(c, RECEIVED, en)).toBe("✓");
  });

  it("keeps the server's figure when it does not know when the answer arrived", () => {
    expect(secondsLeft(countdown({ received_at: undefined }), RECEIVED + HOUR * 1000)).toBe(2 * HOUR);
  });
});

describe("the badge's colour", () => {
  it("is green with more than an hour left", () => {
    expect(slaTone(countdown({ left_seconds: HOUR + 1 }), RECEIVED)).toBe("ok");
  });

  it("turns amber at an hour left, or once past the warning time", () => {
    expect(slaTone(countdown({ left_seconds: HOUR }), RECEIVED)).toBe("warning");
    expect(slaTone(countdown({ left_seconds: HOUR + 10 }), RECEIVED + 11_000)).toBe("warning");
    const warned = countdown({ left_seconds: 5 * HOUR, warn_at: "2026-12-02T08:59:00Z" });
    expect(slaTone(warned, RECEIVED)).toBe("warning");
    expect(slaTone({ ...warned, warn_at: "2026-12-02T09:01:00Z" }, RECEIVED)).toBe("ok");
  });

  it("is red once overdue or breached", () => {
    expect(slaTone(countdown({ left_seconds: -1 }), RECEIVED)).toBe("breached");
    expect(slaTone(countdown({ left_seconds: 10 }), RECEIVED + 11_000)).toBe("breached");
    expect(slaTone(countdown({ state: "breached", left_seconds: -HOUR }), RECEIVED)).toBe("breached");
  });

  it("is grey while paused and a check once met, whatever the time", () => {
    expect(slaTone(countdown({ state: "paused", left_seconds: -HOUR }), RECEIVED)).toBe("paused");
    expect(slaTone(countdown({ state: "met", left_seconds: null }), RECEIVED)).toBe("met");
  });
});

describe("the tooltip", () => {
  it("names the target, its due time and whether business hours count", () => {
    const title = badgeTitle(countdown(), RECEIVED, en, "en");
    expect(title).toMatch(/^First reply: due 2 Dec 2026, \d\d:\d\d · business hours$/);
    expect(badgeTitle(countdown({ business: false }), RECEIVED, it_, "it")).toMatch(
      /^Prima risposta: scadenza 2 dic 2026, \d\d:\d\d · tempo di calendario, 24 ore su 24$/,
    );
  });

  it("says overdue, paused and met", () => {
    expect(badgeTitle(countdown({ state: "breached", left_seconds: -60 }), RECEIVED, en, "en")).toMatch(/^First reply: overdue, was due /);
    expect(badgeTitle(countdown({ target: "next_reply", state: "paused", due_at: null, left_seconds: 90 * MINUTE }), RECEIVED, en, "en")).toBe(
      "Next reply: paused, 1h 30m left · business hours",
    );
    expect(badgeTitle(countdown({ target: "resolution", state: "met", left_seconds: null }), RECEIVED, it_, "it")).toBe(
      "Risoluzione: obiettivo rispettato · orario lavorativo",
    );
  });

  it("numbers the later rounds of the next reply", () => {
    expect(targetName(en, "next_reply", 1)).toBe("Next reply");
    expect(targetName(en, "next_reply", 3)).toBe("Next reply #3");
    expect(targetName(it_, "next_reply", 2)).toBe("Risposta successiva n. 2");
  });
});

describe("the most urgent target", () => {
  it("is the running one with the least time left, an overdue one before all", () => {
    const first = view({ target: "first_reply", left_seconds: 3 * HOUR });
    const resolution = view({ target: "resolution", left_seconds: 30 * MINUTE });
    const breached = view({ target: "next_reply", state: "breached", left_seconds: -HOUR });
    expect(mostUrgent([first, resolution])).toBe(resolution);
    expect(mostUrgent([first, breached, resolution])).toBe(breached);
  });

  it("passes over met and paused targets while one runs", () => {
    const met = view({ target: "first_reply", state: "met", left_seconds: null, met_at: "2026-12-02T08:30:00Z" });
    const paused = view({ target: "next_reply", state: "paused", due_at: null, left_seconds: 60 });
    const running = view({ target: "resolution", left_seconds: 9 * HOUR });
    expect(mostUrgent([met, paused, running])).toBe(running);
    expect(mostUrgent([met, paused])).toBe(paused);
  });

  it("is the last one met when all are, and none without targets", () => {
    const early = view({ target: "first_reply", state: "met", left_seconds: null, met_at: "2026-12-02T08:30:00Z" });
    const late = view({ target: "resolution", state: "met", left_seconds: null, met_at: "2026-12-02T10:30:00Z" });
    expect(mostUrgent([late, early])).toBe(late);
    expect(mostUrgent([])).toBeNull();
  });
});

describe("SLA events in the history", () => {
  const event = (kind: string, data: Record<string, unknown>): TicketEvent => ({ id: kind, kind, actor: "system", data, created_at: "2026-12-02T10:00:00Z" });

  it("say which target warned or was breached, and when it was due", () => {
    const warning = event("sla_alerted", { target: "first_reply", cycle: 1, threshold: "warning", due_at: "2026-12-02T11:00:00Z" });
    expect(slaEventLine(warning, en, "en")).toMatch(/^First reply: due soon \(2 Dec 2026, \d\d:\d\d\)$/);
    const breach = event("sla_alerted", { target: "next_reply", cycle: 2, threshold: "breach", due_at: "2026-12-02T11:00:00Z" });
    expect(slaEventLine(breach, it_, "it")).toMatch(/^Risposta successiva n. 2: scadenza superata, era 2 dic 2026, \d\d:\d\d$/);
  });

  it("say what the escalation did, in the rule actions' words", () => {
    const escalated = event("sla_escalated", { target: "resolution", cycle: 1, policy: "VIP customers", actions: ["set_priority", "notify"] });
    expect(slaEventLine(escalated, en, "en")).toBe("Resolution: escalated (Set the priority, Notify the desk) · Policy: VIP customers");
    expect(slaEventLine(event("sla_escalated", { target: "resolution" }), it_, "it")).toBe("Risoluzione: escalation eseguita");
  });

  it("leave the other events to the rest of the history", () => {
    expect(slaEventLine(event("routing_decided", { field: "priority" }), en, "en")).toBeNull();
  });
});
