// A cursor-paged list: first page, "load more", refresh; answers of superseded requests are ignored.
import { useCallback, useEffect, useRef, useState } from "react";
import type { Page } from "../types";

export interface PagedList<T> {
  items: T[];
  cursor: string | null;
  loading: boolean;
  loaded: boolean;
  error: unknown;
  load: (from: string | null) => Promise<void>;
  clearError: () => void;
}

export function usePagedList<T>(
  fetchPage: (cursor: string | null) => Promise<Page<T>>,
  keyOf: (item: T) => string | number,
): PagedList<T> {
  const [items, setItems] = useState<T[]>([]);
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
        const page = await fetchPage(from);
        if (mine !== seq.current) return;
        setItems((prev) => {
          if (!from) return page.items;
          const seen = new Set(prev.map(keyOf));
          return [...prev, ...page.items.filter((item) => !seen.has(keyOf(item)))];
        });
        setCursor(page.next_cursor ?? null);
        setLoaded(true);
      } catch (e) {
        if (mine === seq.current) setError(e);
      } finally {
        if (mine === seq.current) setLoading(false);
      }
    },
    [fetchPage, keyOf],
  );

  useEffect(() => {
    void load(null);
  }, [load]);

  return { items, cursor, loading, loaded, error, load, clearError: () => setError(null) };
}
