import { useEffect, useState } from "react";
import { dateTime, relativeTime } from "../format";
import { LANGUAGES, useI18n, type Lang } from "../i18n";

export type NoticeKind = "error" | "warning" | "success";

export interface NoticeState {
  kind: NoticeKind;
  text: string;
}

/**
 * Error and conflict notices carry data-testid="notice"; confirmations carry "flash".
 * The test id sits on the text itself so its text content is exactly the message.
 */
export function Notice({ notice, onDismiss }: { notice: NoticeState | null; onDismiss?: () => void }) {
  const { t } = useI18n();
  if (!notice) return null;
  const isProblem = notice.kind !== "success";
  return (
    <div className={`notice notice-${notice.kind}`} role={isProblem ? "alert" : "status"}>
      <span className="notice-text" data-testid={isProblem ? "notice" : "flash"} data-kind={notice.kind}>
        {notice.text}
      </span>
      {onDismiss && (
        <button type="button" className="notice-close" onClick={onDismiss} aria-label={t("notice.dismiss")}>
          ×
        </button>
      )}
    </div>
  );
}

export function StatusBadge({ status, testId }: { status: string; testId?: string }) {
  const { label } = useI18n();
  return (
    <span className={`badge status-${status}`} data-testid={testId} data-status={status}>
      {label("status", status)}
    </span>
  );
}

export function PriorityLabel({ priority }: { priority: string }) {
  const { label } = useI18n();
  return <span className={`priority priority-${priority}`}>{label("priority", priority)}</span>;
}

/** Re-renders every `ms` so relative times stay fresh. */
export function useNow(ms = 60_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = window.setInterval(() => setNow(Date.now()), ms);
    return () => window.clearInterval(id);
  }, [ms]);
  return now;
}

export function RelativeTime({ iso, now }: { iso: string; now?: number }) {
  const { lang } = useI18n();
  return (
    <time dateTime={iso} title={dateTime(iso, lang)}>
      {relativeTime(iso, lang, now)}
    </time>
  );
}

export function LanguageSwitch() {
  const { lang, setLang, t } = useI18n();
  return (
    <label className="lang-switch">
      <span className="visually-hidden">{t("header.language")}</span>
      <select
        data-testid="lang-switch"
        value={lang}
        aria-label={t("header.language")}
        onChange={(e) => setLang(e.target.value as Lang)}
      >
        {LANGUAGES.map((l) => (
          <option key={l} value={l}>
            {t(`lang.${l}`)}
          </option>
        ))}
      </select>
    </label>
  );
}

export function Spinner({ text }: { text: string }) {
  return (
    <div className="loading" role="status">
      <span className="spinner" aria-hidden="true" />
      {text}
    </div>
  );
}
