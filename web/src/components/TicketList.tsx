import { useCallback } from "react";
import { useI18n } from "../i18n";
import { navigate, ticketHref, viewDef, type ViewId } from "../router";
import { errorText, useSession } from "../session";
import type { Ticket } from "../types";
import { Notice, PriorityLabel, RelativeTime, Spinner, StatusBadge, useNow } from "./common";
import { usePagedList } from "./usePagedList";

const ticketKey = (ticket: Ticket) => ticket.number;

export function TicketList({ view }: { view: ViewId }) {
  const { api } = useSession();
  const { t, label } = useI18n();
  const def = viewDef(view);
  const now = useNow();
  const fetchPage = useCallback((from: string | null) => api.listTickets({ ...def.query, cursor: from, limit: 25 }), [api, def]);
  const { items, cursor, loading, loaded, error, load, clearError } = usePagedList<Ticket>(fetchPage, ticketKey);

  return (
    <section className="page">
      <div className="page-head">
        <h1>{t(def.label)}</h1>
        <button type="button" className="btn btn-ghost" onClick={() => void load(null)} disabled={loading}>
          {t("list.refresh")}
        </button>
      </div>
      <Notice notice={error ? { kind: "error", text: errorText(error, t) } : null} onDismiss={clearError} />
      {loaded && items.length === 0 && !loading && !error && (
        <div className="empty" data-testid="empty-state">
          {t("list.empty")}
        </div>
      )}
      {items.length > 0 && (
        <div className="table-wrap">
          <table className="table tickets">
            <thead>
              <tr>
                <th className="col-number">{t("list.number")}</th>
                <th>{t("list.subject")}</th>
                <th>{t("list.requester")}</th>
                <th>{t("list.status")}</th>
                <th>{t("list.priority")}</th>
                <th>{t("list.channel")}</th>
                <th>{t("list.updated")}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((tk) => (
                <tr
                  key={tk.number}
                  data-testid="ticket-row"
                  data-number={tk.number}
                  className="clickable"
                  onClick={() => navigate({ name: "ticket", number: tk.number })}
                >
                  <td className="col-number">#{tk.number}</td>
                  <td className="col-subject">
                    <a href={ticketHref(tk.number)} onClick={(e) => e.stopPropagation()}>
                      {tk.subject || t("list.noSubject")}
                    </a>
                  </td>
                  <td>
                    <div>{tk.requester?.name}</div>
                    {tk.requester?.email && <div className="muted small">{tk.requester.email}</div>}
                  </td>
                  <td>
                    <StatusBadge status={tk.status} />
                  </td>
                  <td>
                    <PriorityLabel priority={tk.priority} />
                  </td>
                  <td>
                    <span className={`channel channel-${tk.channel}`}>{label("channel", tk.channel)}</span>
                  </td>
                  <td className="nowrap">
                    <RelativeTime iso={tk.updated_at} now={now} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {loading && <Spinner text={t("list.loading")} />}
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
