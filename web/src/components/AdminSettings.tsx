// Admins: what the classifier looks for, and the desk's business hours.
import { useEffect, useRef, useState, type FormEvent } from "react";
import { useI18n, type Lang } from "../i18n";
import { calendarDay } from "../format";
import { holidaySource, parseWindows, splitList, windowsText } from "../ruleForm";
import { errorText, useSession } from "../session";
import { PRIORITIES, type CalendarSettings, type ClassificationSettings, type PublicHolidays } from "../types";
import { Notice, Spinner, type NoticeState } from "./common";
import { familyLabel, FormProblemNotice, problemOf, type FormProblem } from "./adminCommon";

const WORD_LANGS = ["it", "en"] as const;
const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

export function AdminSettings() {
  const { t } = useI18n();
  const [notice, setNotice] = useState<NoticeState | null>(null);
  return (
    <section className="page admin-page" data-testid="admin-settings">
      <div className="page-head">
        <h1>{t("admin.settings.title")}</h1>
      </div>
      <Notice notice={notice} onDismiss={() => setNotice(null)} />
      <div className="admin-cards">
        <ClassificationForm onNotice={setNotice} />
        <CalendarForm onNotice={setNotice} />
      </div>
    </section>
  );
}

function ClassificationForm({ onNotice }: { onNotice: (n: NoticeState | null) => void }) {
  const { api, groups } = useSession();
  const { t, label } = useI18n();
  const [loaded, setLoaded] = useState<ClassificationSettings | null>(null);
  const [words, setWords] = useState<Record<string, string>>({});
  const [vip, setVip] = useState("high");
  const [defaultGroup, setDefaultGroup] = useState("");
  const [problem, setProblem] = useState<FormProblem | null>(null);
  const [busy, setBusy] = useState(false);

  function show(c: ClassificationSettings) {
    setLoaded(c);
    const w: Record<string, string> = {};
    for (const lang of WORD_LANGS) {
      w[`urgent.${lang}`] = (c.urgent_words?.[lang] ?? []).join(", ");
      w[`high.${lang}`] = (c.high_words?.[lang] ?? []).join(", ");
    }
    setWords(w);
    setVip(c.vip_priority);
    setDefaultGroup(c.default_group ?? "");
  }

  const tRef = useRef(t);
  tRef.current = t;
  // Loaded once: a language switch keeps what is being edited.
  useEffect(() => {
    api.classification().then(show, (e) => onNotice({ kind: "error", text: errorText(e, tRef.current) }));
  }, [api, onNotice]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!loaded) return;
    setBusy(true);
    setProblem(null);
    const table = (part: "urgent" | "high", current: Record<string, string[]>) => {
      const next: Record<string, string[]> = { ...current };
      for (const lang of WORD_LANGS) next[lang] = splitList(words[`${part}.${lang}`] ?? "");
      return next;
    };
    try {
      show(
        await api.saveClassification({
          ...loaded,
          urgent_words: table("urgent", loaded.urgent_words ?? {}),
          high_words: table("high", loaded.high_words ?? {}),
          vip_priority: vip as ClassificationSettings["vip_priority"],
          default_group: defaultGroup || null,
        }),
      );
      onNotice({ kind: "success", text: t("admin.classification.saved") });
    } catch (err) {
      setProblem(problemOf(err, t));
    } finally {
      setBusy(false);
    }
  }

  if (!loaded) return <Spinner text={t("admin.loading")} />;
  return (
    <form className="panel admin-card" data-testid="classification-form" onSubmit={submit}>
      <h2 className="panel-title">{t("admin.classification.title")}</h2>
      <p className="muted small">{t("admin.classification.intro")}</p>
      {(["urgent", "high"] as const).map((part) =>
        WORD_LANGS.map((lang) => (
          <label key={`${part}.${lang}`} className="field">
            <span>{t(part === "urgent" ? "admin.classification.urgent" : "admin.classification.high", { lang: t(`lang.${lang}`) })}</span>
            <textarea rows={2} data-testid={`classification-${part}-${lang}`} value={words[`${part}.${lang}`] ?? ""} onChange={(e) => setWords((w) => ({ ...w, [`${part}.${lang}`]: e.target.value }))} />
          </label>
        )),
      )}
      <div className="form-grid">
        <label className="field">
          <span>{t("admin.classification.vip")}</span>
          <select data-testid="classification-vip" value={vip} onChange={(e) => setVip(e.target.value)}>
            {PRIORITIES.map((p) => (
              <option key={p} value={p}>
                {label("priority", p)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>{t("admin.classification.defaultGroup")}</span>
          <select data-testid="classification-default-group" value={defaultGroup} onChange={(e) => setDefaultGroup(e.target.value)}>
            <option value="">{t("props.noGroup")}</option>
            {defaultGroup && !groups.some((g) => g.id === defaultGroup) && <option value={defaultGroup}>{defaultGroup}</option>}
            {groups.map((g) => (
              <option key={g.id} value={g.id}>
                {g.name}
              </option>
            ))}
          </select>
        </label>
      </div>
      <FormProblemNotice problem={problem} t={t} testId="classification-error" />
      <div className="form-buttons">
        <button type="submit" className="btn btn-primary" data-testid="classification-save" disabled={busy}>
          {busy ? t("admin.saving") : t("admin.save")}
        </button>
      </div>
    </form>
  );
}

function CalendarForm({ onNotice }: { onNotice: (n: NoticeState | null) => void }) {
  const { api } = useSession();
  const { t, lang } = useI18n();
  const [timezone, setTimezone] = useState<string | null>(null);
  const [hours, setHours] = useState<Record<string, string>>({});
  const [closed, setClosed] = useState("");
  const [country, setCountry] = useState("IT");
  const [region, setRegion] = useState("");
  // Bumped on each save: the list shows the saved calendar's holidays, not what is being typed.
  const [saves, setSaves] = useState(0);
  const [problem, setProblem] = useState<FormProblem | null>(null);
  const [busy, setBusy] = useState(false);

  function show(c: CalendarSettings) {
    setTimezone(c.timezone);
    setHours(Object.fromEntries(WEEKDAYS.map((d) => [d, windowsText(c.hours?.[d] ?? [])])));
    setClosed((c.closed_days ?? []).join(", "));
    const holidays = c.holidays ?? { country: "IT", region: null };
    setCountry(holidays.country ?? "");
    setRegion(holidays.region ?? "");
  }

  const tRef = useRef(t);
  tRef.current = t;
  // Loaded once: a language switch keeps what is being edited.
  useEffect(() => {
    api.calendar().then(show, (e) => onNotice({ kind: "error", text: errorText(e, tRef.current) }));
  }, [api, onNotice]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setProblem(null);
    const windows: CalendarSettings["hours"] = {};
    for (const d of WEEKDAYS) {
      const parsed = parseWindows(hours[d] ?? "");
      if (parsed.length) windows[d] = parsed;
    }
    try {
      show(
        await api.saveCalendar({
          timezone: timezone ?? "",
          hours: windows,
          closed_days: splitList(closed),
          holidays: holidaySource(country, region),
        }),
      );
      setSaves((n) => n + 1);
      onNotice({ kind: "success", text: t("admin.calendar.saved") });
    } catch (err) {
      setProblem(problemOf(err, t));
    } finally {
      setBusy(false);
    }
  }

  if (timezone === null) return <Spinner text={t("admin.loading")} />;
  return (
    <form className="panel admin-card" data-testid="calendar-form" onSubmit={submit}>
      <h2 className="panel-title">{t("admin.calendar.title")}</h2>
      <p className="muted small">{t("admin.calendar.intro")}</p>
      <label className="field">
        <span>{t("admin.calendar.timezone")}</span>
        <input type="text" data-testid="calendar-timezone" value={timezone} onChange={(e) => setTimezone(e.target.value)} />
      </label>
      <div className="weekday-grid">
        {WEEKDAYS.map((d) => (
          <label key={d} className="field weekday-field">
            <span>{familyLabel(t, "weekday", d)}</span>
            <input type="text" data-testid={`calendar-${d}`} placeholder="09:00-13:00, 14:00-18:00" value={hours[d] ?? ""} onChange={(e) => setHours((h) => ({ ...h, [d]: e.target.value }))} />
          </label>
        ))}
      </div>
      <label className="field">
        <span>{t("admin.calendar.closedDays")}</span>
        <input type="text" data-testid="calendar-closed" placeholder="2026-12-25, 2027-01-01" value={closed} onChange={(e) => setClosed(e.target.value)} />
      </label>
      <div className="form-grid">
        <label className="field">
          <span>{t("admin.calendar.holidayCountry")}</span>
          <input type="text" data-testid="calendar-holiday-country" placeholder="IT" maxLength={3} value={country} onChange={(e) => setCountry(e.target.value)} />
        </label>
        <label className="field">
          <span>{t("admin.calendar.holidayRegion")}</span>
          <input type="text" data-testid="calendar-holiday-region" placeholder="RM, MI…" value={region} onChange={(e) => setRegion(e.target.value)} />
        </label>
      </div>
      <p className="muted small">{t("admin.calendar.holidaysHint")}</p>
      <FormProblemNotice problem={problem} t={t} testId="calendar-error" />
      <div className="form-buttons">
        <button type="submit" className="btn btn-primary" data-testid="calendar-save" disabled={busy}>
          {busy ? t("admin.saving") : t("admin.save")}
        </button>
      </div>
      <HolidayList saves={saves} lang={lang} />
    </form>
  );
}

/** This year's public holidays of the saved calendar, named in the reader's language. */
function HolidayList({ saves, lang }: { saves: number; lang: Lang }) {
  const { api } = useSession();
  const { t } = useI18n();
  const [listed, setListed] = useState<PublicHolidays | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  const tRef = useRef(t);
  tRef.current = t;

  useEffect(() => {
    let current = true;
    api.calendarHolidays(new Date().getFullYear(), lang).then(
      (found) => {
        if (!current) return;
        setListed(found);
        setFailed(null);
      },
      (e) => {
        if (current) setFailed(errorText(e, tRef.current));
      },
    );
    return () => {
      current = false;
    };
  }, [api, lang, saves]);

  return (
    <section className="holiday-list" data-testid="calendar-holidays">
      <h3>{listed ? t("admin.calendar.holidaysOf", { year: String(listed.year) }) : t("admin.calendar.holidays")}</h3>
      {failed && <p className="muted small">{failed}</p>}
      {listed && listed.holidays.length === 0 && <p className="muted small">{t("admin.calendar.noHolidays")}</p>}
      {listed && listed.holidays.length > 0 && (
        <ul>
          {listed.holidays.map((h) => (
            <li key={h.date} data-testid="calendar-holiday">
              <span className="holiday-date">{calendarDay(h.date, lang)}</span> {h.name}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
