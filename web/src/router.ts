// A tiny hash router: #/login, #/views/:view, #/tickets/:number, #/quarantine, #/admin/:section.
import { useEffect, useState } from "react";
import type { MessageKey } from "./i18n";
import type { TicketQuery } from "./types";

export const VIEW_IDS = ["unassigned", "mine", "all-open", "sla-at-risk", "new", "pending", "solved"] as const;
export type ViewId = (typeof VIEW_IDS)[number];

/** A list of tickets in the left nav: a query of GET /api/tickets, or the SLA's at-risk list. */
export type ViewDef = { id: ViewId; label: MessageKey } & (
  | {
      source: "tickets";
      /** Query sent to GET /api/tickets (cursor and limit are added by the list). */
      query: TicketQuery;
    }
  | {
      /** GET /api/sla/at-risk: ordered by due time, overdue first, in one page. */
      source: "sla-at-risk";
      intro: MessageKey;
    }
);

export const VIEWS: readonly ViewDef[] = [
  { id: "unassigned", label: "nav.unassigned", source: "tickets", query: { view: "unassigned" } },
  { id: "mine", label: "nav.mine", source: "tickets", query: { view: "mine" } },
  { id: "all-open", label: "nav.allOpen", source: "tickets", query: { view: "all", status: "open" } },
  { id: "sla-at-risk", label: "nav.slaAtRisk", source: "sla-at-risk", intro: "sla.atRisk.intro" },
  { id: "new", label: "nav.new", source: "tickets", query: { status: "new" } },
  { id: "pending", label: "nav.pending", source: "tickets", query: { status: "pending" } },
  { id: "solved", label: "nav.solved", source: "tickets", query: { status: "solved" } },
];

export function viewDef(id: ViewId): ViewDef {
  const def = VIEWS.find((v) => v.id === id);
  if (!def) throw new Error(`unknown view ${id}`);
  return def;
}

export function isViewId(value: string): value is ViewId {
  return (VIEW_IDS as readonly string[]).includes(value);
}

/** The admin section's screens (admins only): triggers and automations share the rules screen. */
export const ADMIN_SECTIONS = ["triggers", "automations", "sla", "groups", "agents", "settings"] as const;
export type AdminSection = (typeof ADMIN_SECTIONS)[number];

export function isAdminSection(value: string): value is AdminSection {
  return (ADMIN_SECTIONS as readonly string[]).includes(value);
}

export type Route =
  | { name: "login" }
  | { name: "view"; view: ViewId }
  | { name: "ticket"; number: number }
  | { name: "quarantine" }
  | { name: "admin"; section: AdminSection }
  | { name: "notFound"; path: string };

export const DEFAULT_ROUTE: Route = { name: "view", view: "unassigned" };

/** Parses a location hash ("#/tickets/12", "/tickets/12" or "") into a route. */
export function parseHash(hash: string): Route {
  let path = hash.startsWith("#") ? hash.slice(1) : hash;
  const q = path.indexOf("?");
  if (q >= 0) path = path.slice(0, q);
  const parts = path.split("/").filter((p) => p !== "");
  if (parts.length === 0) return DEFAULT_ROUTE;
  const [head, arg, ...rest] = parts;
  if (rest.length === 0) {
    if (head === "login" && arg === undefined) return { name: "login" };
    if (head === "quarantine" && arg === undefined) return { name: "quarantine" };
    if (head === "admin") {
      if (arg === undefined) return { name: "admin", section: "triggers" };
      if (isAdminSection(arg)) return { name: "admin", section: arg };
    }
    if (head === "views") {
      if (arg === undefined) return DEFAULT_ROUTE;
      const view = safeDecode(arg);
      if (view !== null && isViewId(view)) return { name: "view", view };
    }
    if (head === "tickets" && arg !== undefined && /^[1-9][0-9]{0,15}$/.test(arg)) {
      const number = Number(arg);
      if (Number.isSafeInteger(number)) return { name: "ticket", number };
    }
  }
  return { name: "notFound", path: `/${parts.join("/")}` };
}

function safeDecode(s: string): string | null {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}

export function formatRoute(route: Route): string {
  switch (route.name) {
    case "login":
      return "#/login";
    case "view":
      return `#/views/${route.view}`;
    case "ticket":
      return `#/tickets/${route.number}`;
    case "quarantine":
      return "#/quarantine";
    case "admin":
      return `#/admin/${route.section}`;
    case "notFound":
      return `#${route.path}`;
  }
}

export function ticketHref(number: number): string {
  return formatRoute({ name: "ticket", number });
}

/** Swaps the current history entry for `hash` (no new Back step) and tells useRoute. */
export function replaceHash(hash: string): void {
  if (window.location.hash === hash) return;
  window.history.replaceState(window.history.state, "", hash);
  window.dispatchEvent(new HashChangeEvent("hashchange"));
}

export function navigate(route: Route, replace = false): void {
  const hash = formatRoute(route);
  if (replace) replaceHash(hash);
  else if (window.location.hash !== hash) window.location.hash = hash;
}

export function useRoute(): Route {
  const [route, setRoute] = useState<Route>(() => parseHash(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseHash(window.location.hash));
    window.addEventListener("hashchange", onChange);
    onChange();
    return () => window.removeEventListener("hashchange", onChange);
  }, []);
  return route;
}
