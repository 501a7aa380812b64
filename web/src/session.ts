// What every screen of the signed-in workspace shares.
import { createContext, useContext } from "react";
import { ApiError, type ApiClient } from "./api";
import type { AppConfig } from "./config";
import type { Translate } from "./i18n";
import type { Agent, Group, Me } from "./types";

export interface Session {
  config: AppConfig;
  api: ApiClient;
  me: Me | null;
  agents: Agent[];
  groups: Group[];
  signOut: () => void;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error("useSession outside the workspace");
  return s;
}

export function agentName(agents: Agent[], id: string | null): string | null {
  if (!id) return null;
  const a = agents.find((x) => x.id === id);
  return a ? a.name || a.email : id;
}

/** A sentence for the user describing a failed call. */
export function errorText(err: unknown, t: Translate): string {
  if (err instanceof ApiError) {
    switch (err.code) {
      case "network":
        return t("error.network");
      case "unauthorized":
        return t("error.unauthorized");
      case "forbidden":
        return err.serverMessage ?? t("error.forbidden");
      case "not_found":
        return err.serverMessage ?? t("error.not_found");
      case "rate_limited":
        return t("error.rate_limited");
      case "server_error":
        return t("error.server_error");
      default:
        return err.serverMessage ?? t("error.generic", { code: err.code });
    }
  }
  if (err instanceof Error && err.message) return err.message;
  return t("error.generic", { code: String(err) });
}
