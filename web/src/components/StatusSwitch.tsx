// The agent's own presence in the header: only online agents are given tickets.
import { useEffect, useState } from "react";
import { useI18n } from "../i18n";
import { errorText, useSession } from "../session";
import { AGENT_STATUSES, type AgentStatus } from "../types";

export function StatusSwitch() {
  const { api, me } = useSession();
  const { t } = useI18n();
  const [status, setStatus] = useState<AgentStatus>(me?.status ?? "offline");
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    setStatus(me?.status ?? "offline");
  }, [me?.status]);

  async function change(next: AgentStatus) {
    const before = status;
    setStatus(next);
    setBusy(true);
    setProblem(null);
    try {
      await api.setStatus(next);
    } catch (e) {
      setStatus(before);
      setProblem(t("presence.failed", { message: errorText(e, t) }));
    } finally {
      setBusy(false);
    }
  }

  return (
    <label className={`status-switch presence-${status}`} title={problem ?? t("header.status")}>
      <span className="presence-dot" aria-hidden="true" />
      <span className="visually-hidden">{t("header.status")}</span>
      <select
        data-testid="status-switch"
        aria-label={t("header.status")}
        aria-invalid={problem ? true : undefined}
        value={status}
        disabled={busy}
        onChange={(e) => void change(e.target.value as AgentStatus)}
      >
        {AGENT_STATUSES.map((s) => (
          <option key={s} value={s}>
            {t(`presence.${s}`)}
          </option>
        ))}
      </select>
      {problem && (
        <span className="status-problem" role="alert" data-testid="status-error">
          !
        </span>
      )}
    </label>
  );
}
