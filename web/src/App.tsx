import { useCallback, useEffect, useMemo, useState } from "react";
import { ApiClient } from "./api";
import {
  clearToken,
  completeCognitoSignInOnce,
  getToken,
  logoutUrl,
  setReturnTo,
  setToken,
  takeReturnTo,
  type CallbackResult,
} from "./auth";
import { loadConfig, type AppConfig } from "./config";
import { I18nContext, initialLang, makeI18n, storeLang, useI18n, type Lang } from "./i18n";
import { DEFAULT_ROUTE, formatRoute, parseHash, replaceHash, useRoute, type Route, type ViewId } from "./router";
import { SessionContext, type Session } from "./session";
import type { Agent, Group, Me } from "./types";
import { AdminAgents } from "./components/AdminAgents";
import { AdminGroups } from "./components/AdminGroups";
import { AdminRules } from "./components/AdminRules";
import { AdminSettings } from "./components/AdminSettings";
import { AdminSla } from "./components/AdminSla";
import { isAdmin, Layout } from "./components/Layout";
import { Login } from "./components/Login";
import { Quarantine } from "./components/Quarantine";
import { TicketList } from "./components/TicketList";
import { TicketPage } from "./components/TicketPage";
import { Notice, Spinner } from "./components/common";

type Boot =
  | { state: "loading" }
  | { state: "failed"; message: string }
  | { state: "ready"; config: AppConfig; signIn: CallbackResult };

export function App() {
  const [lang, setLangState] = useState<Lang>(initialLang);
  const i18n = useMemo(
    () =>
      makeI18n(lang, (l) => {
        storeLang(l);
        setLangState(l);
      }),
    [lang],
  );
  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);

  return (
    <I18nContext.Provider value={i18n}>
      <Shell />
    </I18nContext.Provider>
  );
}

function Shell() {
  const { t } = useI18n();
  const route = useRoute();
  const [boot, setBoot] = useState<Boot>({ state: "loading" });
  const [token, setTokenState] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let cancelled = false;
    (async () => {
      let config: AppConfig;
      try {
        config = await loadConfig();
      } catch (e) {
        if (!cancelled) setBoot({ state: "failed", message: e instanceof Error ? e.message : String(e) });
        return;
      }
      const signIn: CallbackResult =
        config.auth === "cognito" ? await completeCognitoSignInOnce(config) : { kind: "none" };
      if (cancelled) return;
      setTokenState(getToken());
      setBoot({ state: "ready", config, signIn });
    })();
    return () => {
      cancelled = true;
    };
  }, [attempt]);

  // Keep the route and the session in step: no token → login; token on the login page → back in.
  useEffect(() => {
    if (boot.state !== "ready") return;
    if (!token && route.name !== "login") {
      setReturnTo(window.location.hash);
      replaceHash(formatRoute({ name: "login" }));
    } else if (token && route.name === "login") {
      const back = takeReturnTo();
      replaceHash(back && parseHash(back).name !== "login" ? back : formatRoute(DEFAULT_ROUTE));
    }
  }, [boot.state, token, route.name]);

  const onUnauthorized = useCallback(() => {
    clearToken();
    setTokenState(null);
  }, []);

  const config = boot.state === "ready" ? boot.config : null;
  const api = useMemo(
    () => (config ? new ApiClient({ base: config.apiBase, getToken, onUnauthorized }) : null),
    [config, onUnauthorized],
  );

  const signOut = useCallback(() => {
    clearToken();
    setTokenState(null);
    if (config?.auth === "cognito") {
      window.location.assign(logoutUrl(config));
    } else {
      replaceHash(formatRoute({ name: "login" }));
    }
  }, [config]);

  if (boot.state === "loading") {
    return (
      <div className="center-page">
        <Spinner text={t("app.loading")} />
      </div>
    );
  }
  if (boot.state === "failed") {
    return (
      <div className="center-page">
        <div className="login-card">
          <Notice notice={{ kind: "error", text: `${t("app.configError")} (${boot.message})` }} />
          <button type="button" className="btn" onClick={() => { setBoot({ state: "loading" }); setAttempt((a) => a + 1); }}>
            {t("app.retry")}
          </button>
        </div>
      </div>
    );
  }
  if (!token || route.name === "login" || !api) {
    return (
      <Login
        config={boot.config}
        initialError={
          boot.signIn.kind !== "error"
            ? null
            : boot.signIn.stateMismatch
              ? t("login.stateMismatch")
              : t("login.failed", { message: boot.signIn.message })
        }
        onSignedIn={(tok) => {
          setToken(tok);
          setTokenState(tok);
        }}
      />
    );
  }
  return <Workspace key={token} config={boot.config} api={api} route={route} signOut={signOut} />;
}

const LAST_VIEW_KEY = "sportello.lastView";

function Workspace({ config, api, route, signOut }: { config: AppConfig; api: ApiClient; route: Route; signOut: () => void }) {
  const { t } = useI18n();
  const [me, setMe] = useState<Me | null>(null);
  const [agents, setAgents] = useState<Agent[]>([]);
  const [groups, setGroups] = useState<Group[]>([]);
  const [lastView, setLastView] = useState<ViewId>(() => {
    const v = parseHash(`#/views/${sessionStorage.getItem(LAST_VIEW_KEY) ?? ""}`);
    return v.name === "view" ? v.view : "unassigned";
  });

  useEffect(() => {
    if (route.name === "view") {
      setLastView(route.view);
      sessionStorage.setItem(LAST_VIEW_KEY, route.view);
    }
  }, [route]);

  useEffect(() => {
    api.me().then(setMe, () => undefined);
    api.agents().then((r) => setAgents(r.items ?? []), () => undefined);
    api.groups().then((r) => setGroups(r.items ?? []), () => undefined);
  }, [api]);

  const session: Session = useMemo(
    () => ({ config, api, me, agents, groups, signOut }),
    [config, api, me, agents, groups, signOut],
  );

  let page;
  switch (route.name) {
    case "view":
      page = <TicketList key={route.view} view={route.view} />;
      break;
    case "ticket":
      page = <TicketPage key={route.number} number={route.number} backView={lastView} />;
      break;
    case "quarantine":
      page = <Quarantine />;
      break;
    case "admin":
      if (!me) {
        page = <Spinner text={t("app.loading")} />;
      } else if (!isAdmin(me)) {
        page = (
          <section className="page">
            <Notice notice={{ kind: "error", text: t("error.forbidden") }} />
          </section>
        );
      } else if (route.section === "triggers" || route.section === "automations") {
        const kind = route.section === "triggers" ? "trigger" : "automation";
        page = <AdminRules key={kind} kind={kind} />;
      } else if (route.section === "sla") {
        page = <AdminSla />;
      } else if (route.section === "groups") {
        page = <AdminGroups />;
      } else if (route.section === "agents") {
        page = <AdminAgents />;
      } else {
        page = <AdminSettings />;
      }
      break;
    default:
      page = (
        <section className="page">
          <a className="back-link" href={formatRoute(DEFAULT_ROUTE)}>
            ← {t("app.backToTickets")}
          </a>
          <div className="empty">{t("app.notFound")}</div>
        </section>
      );
  }

  return (
    <SessionContext.Provider value={session}>
      <Layout route={route} lastView={lastView}>
        {page}
      </Layout>
    </SessionContext.Provider>
  );
}
