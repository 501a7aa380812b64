import { useCallback } from "react";
import { useI18n } from "../i18n";
import { useSession } from "../session";
import type { QuarantineItem } from "../types";
import { RelativeTime, useNow } from "./common";
import { PagedListPage } from "./PagedListPage";
import { usePagedList } from "./usePagedList";

const quarantineKey = (item: QuarantineItem) => item.id;

export function Quarantine() {
  const { api } = useSession();
  const { t } = useI18n();
  const now = useNow();
  const fetchPage = useCallback((from: string | null) => api.quarantine(from), [api]);
  const list = usePagedList<QuarantineItem>(fetchPage, quarantineKey);
  const { items } = list;

  return (
    <PagedListPage
      list={list}
      title={t("quarantine.title")}
      intro={t("quarantine.intro")}
      emptyText={t("quarantine.empty")}
      loadingText={t("app.loading")}
    >
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
    </PagedListPage>
  );
}
