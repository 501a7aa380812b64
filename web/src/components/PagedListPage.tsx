// The page around a cursor-paged table: title, refresh, errors, empty state, spinner, "load more".
import type { ReactNode } from "react";
import { useI18n } from "../i18n";
import { errorText } from "../session";
import { Notice, Spinner } from "./common";
import type { PagedList } from "./usePagedList";

interface PagedListPageProps<T> {
  list: PagedList<T>;
  title: string;
  intro?: string;
  emptyText: string;
  loadingText: string;
  children: ReactNode; // the table, shown while there are items
}

export function PagedListPage<T>({ list, title, intro, emptyText, loadingText, children }: PagedListPageProps<T>) {
  const { t } = useI18n();
  const { items, cursor, loading, loaded, error, load, clearError } = list;
  return (
    <section className="page">
      <div className="page-head">
        {intro ? (
          <div>
            <h1>{title}</h1>
            <p className="muted">{intro}</p>
          </div>
        ) : (
          <h1>{title}</h1>
        )}
        <button type="button" className="btn btn-ghost" onClick={() => void load(null)} disabled={loading}>
          {t("list.refresh")}
        </button>
      </div>
      <Notice notice={error ? { kind: "error", text: errorText(error, t) } : null} onDismiss={clearError} />
      {loaded && items.length === 0 && !loading && !error && (
        <div className="empty" data-testid="empty-state">
          {emptyText}
        </div>
      )}
      {items.length > 0 && children}
      {loading && <Spinner text={loadingText} />}
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
