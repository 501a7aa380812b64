import { useCallback } from "react";
import { useI18n } from "../i18n";
import { navigate, ticketHref, viewDef, type ViewId } from "../router";
import { useSession } from "../session";
import type { Ticket } from "../types";
import { SLA_TICK_MS } from "../sla";
import { PriorityLabel, RelativeTime, StatusBadge, useNow } from "./common";
import { PagedListPage } from "./PagedListPage";
import { SlaCountdown } from "./Sla";
import { usePagedList } from "./usePagedList";

const ticketKey = (ticket: Ticket) => ticket.number;

export function TicketList({ view }: { view: ViewId }) {
  const { api } = useSession();
  const { t, label } = useI18n();
  const def = viewDef(view);
  // Ticks as often as the SLA countdowns need; the relative times refresh along with them.
  const now = useNow(SLA_TICK_MS);
  const fetchPage = useCallback(
    (from: string | null) => (def.source === "sla-at-risk" ? api.slaAtRisk() : api.listTickets({ ...def.query, cursor: from, limit: 25 })),
    [api, def],
  );
  const list = usePagedList<Ticket>(fetchPage, ticketKey);
  const { items } = list;

  return (
    <PagedListPage
      list={list}
      title={t(def.label)}
      intro={def.source === "sla-at-risk" ? t(def.intro) : undefined}
      emptyText={t("list.empty")}
      loadingText={t("list.loading")}
    >
      <div className="table-wrap">
        <table className="table tickets">
          <thead>
            <tr>
              <th className="col-number">{t("list.number")}</th>
              <th>{t("list.subject")}</th>
              <th>{t("list.requester")}</th>
              <th>{t("list.status")}</th>
              <th>{t("list.priority")}</th>
              <th>{t("list.sla")}</th>
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
                <td className="nowrap">{tk.sla && <SlaCountdown countdown={tk.sla} now={now} />}</td>
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
    </PagedListPage>
  );
}
