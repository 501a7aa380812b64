import type { ReactNode } from "react";
import { useI18n, type MessageKey } from "../i18n";
import { ADMIN_SECTIONS, formatRoute, VIEWS, type AdminSection, type Route, type ViewId } from "../router";
import { useSession } from "../session";
import { LanguageSwitch } from "./common";
import { StatusSwitch } from "./StatusSwitch";

const ADMIN_LABELS: Record<AdminSection, MessageKey> = {
  triggers: "nav.triggers",
  automations: "nav.automations",
  sla: "nav.sla",
  groups: "nav.groups",
  agents: "nav.agents",
  settings: "nav.settings",
};

export function isAdmin(me: { role?: string } | null): boolean {
  return me?.role === "admin";
}

interface Props {
  route: Route;
  /** The list view to highlight when the page itself is not a list (e.g. a ticket). */
  lastView: ViewId;
  children: ReactNode;
}

function NavLink({ href, testId, label, active }: { href: string; testId: string; label: MessageKey; active: boolean }) {
  const { t } = useI18n();
  return (
    <li>
      <a href={href} data-testid={testId} className={active ? "active" : undefined} aria-current={active ? "page" : undefined}>
        {t(label)}
      </a>
    </li>
  );
}

export function Layout({ route, lastView, children }: Props) {
  const { t } = useI18n();
  const { me, signOut } = useSession();
  const currentView = route.name === "view" ? route.view : route.name === "ticket" ? lastView : null;

  return (
    <div className="app">
      <header className="topbar">
        <a className="brand" href={formatRoute({ name: "view", view: "unassigned" })}>
          <span className="brand-mark" aria-hidden="true">S</span>
          {t("app.name")}
        </a>
        <div className="topbar-right">
          {me && (
            <span className="current-agent" data-testid="current-agent" title={me.email}>
              <span className="avatar" aria-hidden="true">{initials(me.name || me.email)}</span>
              <span className="current-agent-name">{me.name || me.email}</span>
            </span>
          )}
          {me && <StatusSwitch />}
          <LanguageSwitch />
          <button type="button" className="btn btn-ghost" data-testid="signout" onClick={signOut}>
            {t("header.signOut")}
          </button>
        </div>
      </header>
      <nav className="sidebar" aria-label={t("nav.views")}>
        <div className="sidebar-inner">
          <h2 className="sidebar-title">{t("nav.views")}</h2>
          <ul>
            {VIEWS.map((v) => (
              <NavLink
                key={v.id}
                href={formatRoute({ name: "view", view: v.id })}
                testId={`nav-${v.id}`}
                label={v.label}
                active={currentView === v.id}
              />
            ))}
          </ul>
          <ul className="sidebar-secondary">
            <NavLink
              href={formatRoute({ name: "quarantine" })}
              testId="nav-quarantine"
              label="nav.quarantine"
              active={route.name === "quarantine"}
            />
          </ul>
          {isAdmin(me) && (
            <>
              <h2 className="sidebar-title sidebar-title-admin" data-testid="nav-admin">{t("nav.admin")}</h2>
              <ul>
                {ADMIN_SECTIONS.map((section) => (
                  <NavLink
                    key={section}
                    href={formatRoute({ name: "admin", section })}
                    testId={`nav-admin-${section}`}
                    label={ADMIN_LABELS[section]}
                    active={route.name === "admin" && route.section === section}
                  />
                ))}
              </ul>
            </>
          )}
        </div>
      </nav>
      <main className="content">{children}</main>
    </div>
  );
}

export function initials(name: string): string {
  const parts = name.replace(/@.*/, "").split(/[\s._-]+/).filter(Boolean);
  const letters = parts.length >= 2 ? parts[0][0] + parts[parts.length - 1][0] : (parts[0] ?? "?").slice(0, 2);
  return letters.toUpperCase();
}
