// Admins: the SLA policies — in order (the first that matches a ticket applies), switched on or off,
// created, edited, deleted. Every change saves the whole ordered list: PUT /api/admin/sla replaces it.
import { useCallback, useEffect, useRef, useState, type FormEvent } from "react";
import { useI18n, type Translate } from "../i18n";
import { moved } from "../ruleForm";
import { targetName } from "../sla";
import {
  emptyPolicy,
  escalationActions,
  escalationIndex,
  GRID_PRIORITIES,
  policyForm,
  policyInput,
  problemSpot,
  targetCount,
  withPolicy,
  type PolicyFormValues,
  type TargetCell,
} from "../slaForm";
import { errorText, useSession } from "../session";
import { CHANNELS, SLA_TARGETS, SLA_TIERS, type Group, type Priority, type RuleLanguage, type SlaPolicy, type SlaPolicyInput, type SlaTargetName } from "../types";
import { ActionListEditor } from "./ActionsEditor";
import { CancelSave, familyLabel, type FormProblem, FormProblemNotice, OrderCell, OrderedListHead, problemOf } from "./adminCommon";
import { Notice, PriorityLabel, Spinner, type NoticeState } from "./common";

/** Which policy the editor is open on: its index, or null for a new one. */
type Editing = { index: number | null } | null;

export function AdminSla() {
  const { api, groups } = useSession();
  const { t, label } = useI18n();
  const [language, setLanguage] = useState<RuleLanguage | null>(null);
  const [policies, setPolicies] = useState<SlaPolicy[] | null>(null);
  const [notice, setNotice] = useState<NoticeState | null>(null);
  const [editing, setEditing] = useState<Editing>(null);
  const [busy, setBusy] = useState(false);
  // The current translator, without making a language switch reload the page (and lose an open form).
  const tRef = useRef(t);
  tRef.current = t;

  const reload = useCallback(async () => {
    try {
      setPolicies((await api.slaPolicies()).policies);
    } catch (e) {
      setNotice({ kind: "error", text: errorText(e, tRef.current) });
    }
  }, [api]);

  useEffect(() => {
    api.ruleLanguage().then(setLanguage, (e) => setNotice({ kind: "error", text: errorText(e, tRef.current) }));
    void reload();
  }, [api, reload]);

  /** Saves the list as `next`, then confirms with `done`; on a refusal, shows why and the list as saved. */
  async function save(next: SlaPolicyInput[], done: string) {
    setBusy(true);
    setNotice(null);
    try {
      setPolicies((await api.saveSlaPolicies(next)).policies);
      setNotice({ kind: "success", text: done });
    } catch (e) {
      setNotice({ kind: "error", text: errorText(e, t) });
      await reload();
    } finally {
      setBusy(false);
    }
  }

  const list = policies ?? [];
  const toggle = (policy: SlaPolicy) =>
    save(
      list.map((p) => (p === policy ? { ...p, enabled: !p.enabled } : p)),
      t(policy.enabled ? "admin.rules.switchedOff" : "admin.rules.switchedOn", { name: policy.name }),
    );
  const move = (policy: SlaPolicy, step: -1 | 1) => save(moved(list, policy, step), t("admin.rules.reordered"));
  const remove = (policy: SlaPolicy) => {
    if (!window.confirm(t("admin.sla.confirmDelete", { name: policy.name }))) return;
    void save(
      list.filter((p) => p !== policy),
      t("admin.sla.deleted"),
    );
  };

  return (
    <section className="page admin-page" data-testid="admin-sla">
      <div className="page-head">
        <div>
          <h1>{t("admin.sla.title")}</h1>
          <p className="muted">{t("admin.sla.intro")}</p>
        </div>
        {!editing && (
          <button type="button" className="btn btn-primary" data-testid="sla-new" disabled={!language || !policies} onClick={() => setEditing({ index: null })}>
            {t("admin.sla.new")}
          </button>
        )}
      </div>
      <Notice notice={notice} onDismiss={() => setNotice(null)} />
      {editing && language && policies && (
        <PolicyEditor
          key={editing.index ?? "new"}
          language={language}
          policies={policies}
          index={editing.index}
          onCancel={() => setEditing(null)}
          onSaved={(saved, name) => {
            setEditing(null);
            setPolicies(saved);
            setNotice({ kind: "success", text: t("admin.sla.saved", { name }) });
          }}
        />
      )}
      {policies === null ? (
        <Spinner text={t("admin.loading")} />
      ) : policies.length === 0 ? (
        <div className="empty" data-testid="empty-state">
          {t("admin.sla.empty")}
        </div>
      ) : (
        <div className="table-wrap">
          <table className="table rules-table">
            <OrderedListHead t={t} />
            <tbody>
              {policies.map((policy, index) => (
                <tr key={policy.id ?? index} data-testid="sla-policy-row" data-id={policy.id} data-name={policy.name} data-enabled={String(policy.enabled)} className={policy.enabled ? undefined : "rule-off"}>
                  <OrderCell index={index} count={policies.length} busy={busy} onMove={(by) => void move(policy, by)} t={t} testIdPrefix="sla" />
                  <td>
                    <div className="rule-name">
                      <strong>{policy.name}</strong>
                    </div>
                    <div className="muted small" data-testid="sla-policy-summary">
                      {appliesTo(policy, groups, t, (v) => label("channel", v))}
                      {" · "}
                      {t("admin.sla.summary", { targets: targetCount(policy), actions: policy.escalation?.length ?? 0 })}
                    </div>
                  </td>
                  <td className="col-enabled">
                    <label className="switch">
                      <input type="checkbox" data-testid="sla-enabled" checked={policy.enabled} disabled={busy} onChange={() => void toggle(policy)} aria-label={`${t("admin.rules.enabled")}: ${policy.name}`} />
                      <span className="switch-track" aria-hidden="true" />
                    </label>
                  </td>
                  <td className="col-actions nowrap">
                    <button type="button" className="btn btn-ghost btn-small" data-testid="sla-edit" disabled={busy} onClick={() => setEditing({ index })}>
                      {t("admin.rules.edit")}
                    </button>
                    <button type="button" className="btn btn-ghost btn-small btn-danger" data-testid="sla-delete" disabled={busy} onClick={() => remove(policy)}>
                      {t("admin.rules.delete")}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** "Email, WhatsApp · Billing · VIP", or "Every ticket" when the policy names no condition. */
function appliesTo(policy: SlaPolicy, groups: Group[], t: Translate, channelLabel: (channel: string) => string): string {
  const c = policy.conditions ?? {};
  const parts = [
    (c.channels ?? []).map(channelLabel).join(", "),
    (c.groups ?? []).map((id) => groups.find((g) => g.id === id)?.name ?? id).join(", "),
    (c.tiers ?? []).map((tier) => familyLabel(t, "slaTier", tier)).join(", "),
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(" · ") : t("admin.sla.everyTicket");
}

// --- the editor -------------------------------------------------------------------

interface EditorProps {
  language: RuleLanguage;
  policies: SlaPolicy[];
  index: number | null;
  onCancel: () => void;
  onSaved: (policies: SlaPolicy[], name: string) => void;
}

function PolicyEditor({ language, policies, index, onCancel, onSaved }: EditorProps) {
  const { api, groups } = useSession();
  const { t, label } = useI18n();
  const policy = index === null ? null : policies[index];
  const [form, setForm] = useState<PolicyFormValues>(() => (policy ? policyForm(policy) : emptyPolicy()));
  const [problem, setProblem] = useState<FormProblem | null>(null);
  const [busy, setBusy] = useState(false);
  // A new policy is saved at the end of the list: the server's paths name it by that position.
  const spot = problem ? problemSpot(problem.path, index ?? policies.length) : null;

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      const saved = await api.saveSlaPolicies(withPolicy<SlaPolicyInput>(policies, index, policyInput(language, form, policy?.id)));
      onSaved(saved.policies, form.name);
    } catch (err) {
      setProblem(problemOf(err, t));
    } finally {
      setBusy(false);
    }
  }

  const setCell = (priority: Priority, target: SlaTargetName, cell: Partial<TargetCell>) =>
    setForm((f) => ({
      ...f,
      targets: { ...f.targets, [priority]: { ...f.targets[priority], [target]: { ...f.targets[priority][target], ...cell } } },
    }));
  // Groups the policy names that the desk no longer has stay listed, so saving does not drop them unseen.
  const groupChoices = [...groups.map((g) => ({ value: g.id, label: g.name })), ...form.groups.filter((id) => !groups.some((g) => g.id === id)).map((id) => ({ value: id, label: id }))];

  return (
    <form className="panel rule-editor sla-editor" data-testid="sla-editor" onSubmit={submit} noValidate>
      <h2 className="panel-title">{policy ? t("admin.sla.editTitle", { name: policy.name }) : t("admin.sla.new")}</h2>
      <div className="rule-editor-top">
        <label className={`field rule-name-field${spot === "name" ? " has-problem" : ""}`}>
          <span>{t("admin.rule.name")}</span>
          <input type="text" data-testid="sla-name" value={form.name} maxLength={120} onChange={(e) => setForm((f) => ({ ...f, name: e.target.value }))} />
        </label>
        <label className="checkbox">
          <input type="checkbox" data-testid="sla-enabled-field" checked={form.enabled} onChange={(e) => setForm((f) => ({ ...f, enabled: e.target.checked }))} />
          {t("admin.rule.enabled")}
        </label>
      </div>
      <fieldset className={`sla-conditions${spot === "conditions" ? " has-problem" : ""}`} data-testid="sla-conditions">
        <legend>{t("admin.sla.conditions")}</legend>
        <ChoiceChecklist
          title={t("admin.sla.channels")}
          testId="sla-channels"
          bad={spot === "conditions.channels"}
          choices={CHANNELS.map((c) => ({ value: c, label: label("channel", c) }))}
          picked={form.channels}
          onChange={(channels) => setForm((f) => ({ ...f, channels }))}
        />
        <ChoiceChecklist
          title={t("admin.sla.groups")}
          testId="sla-groups"
          bad={spot === "conditions.groups"}
          choices={groupChoices}
          picked={form.groups}
          onChange={(picked) => setForm((f) => ({ ...f, groups: picked }))}
        />
        <ChoiceChecklist
          title={t("admin.sla.tiers")}
          testId="sla-tiers"
          bad={spot === "conditions.tiers"}
          choices={SLA_TIERS.map((tier) => ({ value: tier, label: familyLabel(t, "slaTier", tier) }))}
          picked={form.tiers}
          onChange={(tiers) => setForm((f) => ({ ...f, tiers }))}
        />
      </fieldset>
      <fieldset className={spot === "targets" ? "has-problem" : undefined} data-testid="sla-targets">
        <legend>{t("admin.sla.targets")}</legend>
        <table className="sla-grid">
          <thead>
            <tr>
              <th />
              {SLA_TARGETS.map((target) => (
                <th key={target}>{targetName(t, target)}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {GRID_PRIORITIES.map((priority) => (
              <tr key={priority}>
                <th>
                  <PriorityLabel priority={priority} />
                </th>
                {SLA_TARGETS.map((target) => {
                  const cell = form.targets[priority][target];
                  const names = { target: targetName(t, target), priority: label("priority", priority) };
                  return (
                    <td key={target}>
                      <div className={`sla-cell${spot === `targets.${priority}.${target}` ? " has-problem" : ""}`} data-testid={`sla-cell-${priority}-${target}`}>
                        <input
                          type="text"
                          inputMode="numeric"
                          data-testid="sla-minutes"
                          aria-label={t("admin.sla.minutes", names)}
                          value={cell.minutes}
                          onChange={(e) => setCell(priority, target, { minutes: e.target.value })}
                        />
                        <select
                          data-testid="sla-clock"
                          aria-label={t("admin.sla.clock", names)}
                          value={cell.business ? "business" : "calendar"}
                          onChange={(e) => setCell(priority, target, { business: e.target.value === "business" })}
                        >
                          <option value="business">{t("admin.sla.business")}</option>
                          <option value="calendar">{t("admin.sla.calendar")}</option>
                        </select>
                      </div>
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </fieldset>
      <label className={`field${spot === "warning_percent" ? " has-problem" : ""}`}>
        <span>{t("admin.sla.warning")}</span>
        <input type="text" inputMode="numeric" className="input-narrow" data-testid="sla-warning" value={form.warningPercent} onChange={(e) => setForm((f) => ({ ...f, warningPercent: e.target.value }))} />
      </label>
      <ActionListEditor
        language={language}
        available={escalationActions(language)}
        rows={form.escalation}
        onChange={(escalation) => setForm((f) => ({ ...f, escalation }))}
        legend={t("admin.sla.escalation")}
        testId="sla-escalation"
        bad={spot === "escalation"}
        badIndex={escalationIndex(spot)}
      />
      <FormProblemNotice problem={problem} t={t} testId="sla-error" />
      <CancelSave busy={busy} onCancel={onCancel} t={t} testIdPrefix="sla" />
    </form>
  );
}

interface ChecklistProps {
  title: string;
  testId: string;
  bad: boolean;
  choices: { value: string; label: string }[];
  picked: string[];
  onChange: (picked: string[]) => void;
}

function ChoiceChecklist({ title, testId, bad, choices, picked, onChange }: ChecklistProps) {
  return (
    <div className={bad ? "has-problem" : undefined} data-testid={testId}>
      <h3>{title}</h3>
      <div className="choice-list">
        {choices.map((c) => (
          <label key={c.value} className="checkbox">
            <input
              type="checkbox"
              value={c.value}
              checked={picked.includes(c.value)}
              onChange={(e) => onChange(e.target.checked ? [...picked, c.value] : picked.filter((v) => v !== c.value))}
            />
            {c.label}
          </label>
        ))}
      </div>
    </div>
  );
}
