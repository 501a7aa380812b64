import { useCallback } from "react";
import { useI18n } from "../i18n";
import { errorText, useSession } from "../session";
import type { QuarantineItem } from "../types";
import { Notice, RelativeTime, Spinner, useNow } from "./common";
import { usePagedList } from "./usePagedList";

const quarantineKey = (item: QuarantineItem) => item.id;

export function Quarantine() {
  const { api } = useSession();
  const { t } = useI18n();
  const now = useNow();
  const fetchPage = useCallback((from: string | null) => api.quarantine(from), [api]);
  const { items, cursor, loading, loaded, error, load, clearError } = usePagedList<QuarantineItem>(fetchPage, quarantineKey);

  return (
    <section className="page">
      <div className="page-head">
        <div>
          <h1>{t("quarantine.title")}</h1>
          <p className="muted">{t("quarantine.intro")}</p>
        </div>
        <button type="button" className="btn btn-ghost" onClick={() => void load(null)} disabled={loading}>
          {t("list.refresh")}
        </button>
      </div>
      <Notice notice={error ? { kind: "error", text: errorText(error, t) } : null} onDismiss={clearError} />
      {loaded && items.length === 0 && !loading && !error && (
        <div className="empty" data-testid="empty-state">
          {t("quarantine.empty")}
        </div>
      )}
      {items.length > 0 && (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th>{t("quarantine.received")}</th>
                <th>{t("quarantine.sender")}</th>
                <th>{t("quarantine.subject")}</th>
                <th>{t("quarantine.reason")}</th>
                <th>{t("quarantine.rawKey")}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((q) => (
                <tr key={q.id} data-testid="quarantine-row" data-id={q.id}>
                  <td className="nowrap">
                    <RelativeTime iso={q.received_at} now={now} />
                  </td>
                  <td className="break">{q.sender}</td>
                  <td>{q.subject || t("list.noSubject")}</td>
                  <td>
                    <span className="badge badge-reason">{q.reason}</span>
                  </td>
                  <td className="mono small break">{q.raw_key}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {loading && <Spinner text={t("app.loading")} />}
      {cursor && !loading && (
        <div className="load-more">
          <button type="button" className="btn" data-testid="load-more" onClick={() => void load(cursor)}>
            {t("list.loadMore")}
          </button>
        </div>
      )}
    </section>
  );
}
