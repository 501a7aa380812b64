// Admins: each agent's capacity (open tickets at once), languages and skills, for assignment.
// Saved with PUT /api/agents/{id}/profile; current values come with GET /api/agents when the server has them.
import { useEffect, useState, type FormEvent } from "react";
import { useI18n } from "../i18n";
import { splitList } from "../ruleForm";
import { useSession } from "../session";
import type { Agent } from "../types";
import { Notice, Spinner, type NoticeState } from "./common";
import { familyLabel, FormProblemNotice, problemOf, type FormProblem } from "./adminCommon";

const DEFAULT_CAPACITY = 10;

export function AdminAgents() {
  const { api, agents: known } = useSession();
  const { t } = useI18n();
  const [agents, setAgents] = useState<Agent[] | null>(null);
  const [notice, setNotice] = useState<NoticeState | null>(null);

  useEffect(() => {
    api.agents().then(
      (r) => setAgents(r.items ?? []),
      () => setAgents(known),
    );
  }, [api, known]);

  return (
    <section className="page admin-page" data-testid="admin-agents">
      <div className="page-head">
        <div>
          <h1>{t("admin.agents.title")}</h1>
          <p className="muted">{t("admin.agents.intro")}</p>
        </div>
      </div>
      <Notice notice={notice} onDismiss={() => setNotice(null)} />
      {agents === null ? (
        <Spinner text={t("admin.loading")} />
      ) : (
        <div className="table-wrap">
          <table className="table agents-table">
            <thead>
              <tr>
                <th>{t("admin.agents.agent")}</th>
                <th>{t("admin.agents.capacity")}</th>
                <th>{t("admin.agents.languages")}</th>
                <th>{t("admin.agents.skills")}</th>
                <th aria-label={t("admin.save")} />
              </tr>
            </thead>
            <tbody>
              {agents.map((a) => (
                <AgentRow key={a.id} agent={a} onSaved={() => setNotice({ kind: "success", text: t("admin.agents.saved", { name: a.name || a.email }) })} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function AgentRow({ agent, onSaved }: { agent: Agent; onSaved: () => void }) {
  const { api } = useSession();
  const { t } = useI18n();
  const [capacity, setCapacity] = useState(String(agent.capacity ?? DEFAULT_CAPACITY));
  const [languages, setLanguages] = useState((agent.languages ?? []).join(", "));
  const [skills, setSkills] = useState((agent.skills ?? []).join(", "));
  const [problem, setProblem] = useState<FormProblem | null>(null);
  const [busy, setBusy] = useState(false);
  const formId = `agent-${agent.id}`;

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      const n = Number(capacity);
      await api.setAgentProfile(agent.id, {
        capacity: capacity.trim() !== "" && Number.isFinite(n) ? n : (capacity as unknown as number),
        languages: splitList(languages).map((l) => l.toLowerCase()),
        skills: splitList(skills),
      });
      onSaved();
    } catch (err) {
      setProblem(problemOf(err, t));
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <tr data-testid="agent-row" data-id={agent.id}>
        <td>
          <strong>{agent.name || agent.email}</strong>
          <div className="muted small">
            {agent.email}
            {agent.role && ` · ${familyLabel(t, "role", agent.role)}`}
          </div>
        </td>
        <td>
          <input form={formId} className="input-narrow" type="number" min={0} max={200} data-testid="agent-capacity" aria-label={t("admin.agents.capacity")} value={capacity} onChange={(e) => setCapacity(e.target.value)} />
        </td>
        <td>
          <input form={formId} type="text" data-testid="agent-languages" aria-label={t("admin.agents.languages")} placeholder="it, en" value={languages} onChange={(e) => setLanguages(e.target.value)} />
        </td>
        <td>
          <input form={formId} type="text" data-testid="agent-skills" aria-label={t("admin.agents.skills")} placeholder="billing, shipping" value={skills} onChange={(e) => setSkills(e.target.value)} />
        </td>
        <td>
          <form id={formId} onSubmit={submit}>
            <button type="submit" className="btn btn-small" data-testid="agent-save" disabled={busy}>
              {busy ? t("admin.saving") : t("admin.save")}
            </button>
          </form>
        </td>
      </tr>
      {problem && (
        <tr>
          <td colSpan={5}>
            <FormProblemNotice problem={problem} t={t} testId="agent-error" />
          </td>
        </tr>
      )}
    </>
  );
}
