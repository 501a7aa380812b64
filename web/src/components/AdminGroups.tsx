// Admins: each group's name, how its tickets are assigned (strategy), its members and description.
import { useCallback, useEffect, useRef, useState, type FormEvent } from "react";
import { useI18n } from "../i18n";
import { errorText, useSession } from "../session";
import type { GroupSettings } from "../types";
import { Notice, Spinner, type NoticeState } from "./common";
import { familyLabel, FormProblemNotice, problemOf, type FormProblem } from "./adminCommon";

const STRATEGIES = ["round_robin", "least_open", "skills", "manual"];

export function AdminGroups() {
  const { api } = useSession();
  const { t } = useI18n();
  const [groups, setGroups] = useState<GroupSettings[] | null>(null);
  const [notice, setNotice] = useState<NoticeState | null>(null);
  const [strategies, setStrategies] = useState<string[]>(STRATEGIES);

  const tRef = useRef(t);
  tRef.current = t;

  const reload = useCallback(async () => {
    try {
      setGroups((await api.groupSettings()).items);
    } catch (e) {
      setNotice({ kind: "error", text: errorText(e, tRef.current) });
    }
  }, [api]);

  useEffect(() => {
    void reload();
    api.ruleLanguage().then((l) => setStrategies(l.strategies), () => undefined);
  }, [api, reload]);

  const saved = async (group: GroupSettings) => {
    await reload();
    setNotice({ kind: "success", text: t("admin.groups.saved", { name: group.name }) });
  };

  return (
    <section className="page admin-page" data-testid="admin-groups">
      <div className="page-head">
        <div>
          <h1>{t("admin.groups.title")}</h1>
          <p className="muted">{t("admin.groups.intro")}</p>
        </div>
      </div>
      <Notice notice={notice} onDismiss={() => setNotice(null)} />
      {groups?.length === 0 && <div className="empty">{t("admin.groups.empty")}</div>}
      {groups === null ? (
        <Spinner text={t("admin.loading")} />
      ) : (
        <div className="admin-cards">
          {groups.map((g) => (
            <GroupForm key={g.id} group={g} strategies={strategies} onSaved={saved} />
          ))}
          <GroupForm key={`new-${groups.length}`} group={null} strategies={strategies} onSaved={saved} />
        </div>
      )}
    </section>
  );
}

function GroupForm({ group, strategies, onSaved }: { group: GroupSettings | null; strategies: string[]; onSaved: (g: GroupSettings) => Promise<void> }) {
  const { api, agents } = useSession();
  const { t } = useI18n();
  const [values, setValues] = useState<GroupSettings>(
    group ?? { id: "", name: "", strategy: "least_open", members: [], description: "" },
  );
  const [problem, setProblem] = useState<FormProblem | null>(null);
  const [busy, setBusy] = useState(false);
  const isNew = group === null;

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      await onSaved(await api.saveGroup({ ...values, id: values.id.trim() }));
    } catch (err) {
      setProblem(problemOf(err, t));
    } finally {
      setBusy(false);
    }
  }

  const unknownMembers = values.members.filter((m) => !agents.some((a) => a.id === m));
  return (
    <form className="panel admin-card" data-testid="group-form" data-id={group?.id ?? ""} onSubmit={submit}>
      <h2 className="panel-title">{isNew ? t("admin.groups.new") : group.name}</h2>
      <div className="form-grid">
        {isNew && (
          <label className="field field-wide">
            <span>
              {t("admin.groups.id")} <span className="muted small">({t("admin.groups.idHint")})</span>
            </span>
            <input type="text" data-testid="group-id" value={values.id} onChange={(e) => setValues((v) => ({ ...v, id: e.target.value }))} />
          </label>
        )}
        <label className="field">
          <span>{t("admin.groups.name")}</span>
          <input type="text" data-testid="group-name" value={values.name} onChange={(e) => setValues((v) => ({ ...v, name: e.target.value }))} />
        </label>
        <label className="field">
          <span>{t("admin.groups.strategy")}</span>
          <select data-testid="group-strategy" value={values.strategy} onChange={(e) => setValues((v) => ({ ...v, strategy: e.target.value }))}>
            {strategies.map((s) => (
              <option key={s} value={s}>
                {familyLabel(t, "strategy", s)}
              </option>
            ))}
          </select>
        </label>
      </div>
      <fieldset className="group-members" data-testid="group-members">
        <legend>{t("admin.groups.members")}</legend>
        {[...agents.map((a) => ({ id: a.id, name: a.name || a.email })), ...unknownMembers.map((id) => ({ id, name: id }))].map((a) => (
          <label key={a.id} className="checkbox">
            <input
              type="checkbox"
              value={a.id}
              checked={values.members.includes(a.id)}
              onChange={(e) =>
                setValues((v) => ({ ...v, members: e.target.checked ? [...v.members, a.id] : v.members.filter((m) => m !== a.id) }))
              }
            />
            {a.name}
          </label>
        ))}
      </fieldset>
      <label className="field">
        <span>{t("admin.groups.description")}</span>
        <input type="text" data-testid="group-description" value={values.description} onChange={(e) => setValues((v) => ({ ...v, description: e.target.value }))} />
      </label>
      <FormProblemNotice problem={problem} t={t} testId="group-error" />
      <div className="form-buttons">
        <button type="submit" className="btn btn-primary" data-testid="group-save" disabled={busy}>
          {busy ? t("admin.saving") : isNew ? t("admin.groups.create") : t("admin.save")}
        </button>
      </div>
    </form>
  );
}
