import { useCallback, useEffect, useRef, useState } from "react";
import { useI18n } from "../i18n";
import { navigate, ticketHref, viewDef, type ViewId } from "../router";
import { errorText, useSession } from "../session";
import type { Ticket } from "../types";
import { Notice, PriorityLabel, RelativeTime, Spinner, StatusBadge, useNow } from "./common";

export function TicketList({ view }: { view: ViewId }) {
  const { api } = useSession();
  const { t, label } = useI18n();
  const def = viewDef(view);
  const now = useNow();
  const [items, setItems] = useState<Ticket[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const seq = useRef(0);

  const load = useCallback(
    async (from: string | null) => {
      const mine = ++seq.current;
      setLoading(true);
      setError(null);
      try {
        const page = await api.listTickets({ ...def.query, cursor: from, limit: 25 });
        if (mine !== seq.current) return;
        setItems((prev) => (from ? [...prev, ...page.items.filter((x) => !prev.some((p) => p.number === x.number))] : page.items));
        setCursor(page.next_cursor ?? null);
        setLoaded(true);
      } catch (e) {
        if (mine === seq.current) setError(e);
      } finally {
        if (mine === seq.current) setLoading(false);
      }
    },
    [api, def],
  );

  useEffect(() => {
    void load(null);
  }, [load]);

  return (
    <section className="page">
      <div className="page-head">
        <h1>{t(def.label)}</h1>
        <button type="button" className="btn btn-ghost" onClick={() => void load(null)} disabled={loading}>
          {t("list.refresh")}
        </button>
      </div>
      <Notice notice={error ? { kind: "error", text: errorText(error, t) } : null} onDismiss={() => setError(null)} />
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
