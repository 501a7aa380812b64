// Admins: the desk's triggers and automations — in order, switched on or off, created, edited, deleted.
import { useCallback, useEffect, useRef, useState, type FormEvent } from "react";
import { useI18n, type Translate } from "../i18n";
import {
  actionsFor,
  emptyRule,
  fieldInfo,
  fieldsFor,
  formValues,
  moved,
  newCondition,
  operatorsFor,
  rowOfPath,
  ruleBody,
  ruleToData,
  valueShape,
  withDefaults,
  type ActionRow,
  type ConditionRow,
  type RuleFormValues,
} from "../ruleForm";
import { errorText, useSession } from "../session";
import type { Rule, RuleKind, RuleLanguage } from "../types";
import { Notice, Spinner, type NoticeState } from "./common";
import { ActionListEditor } from "./ActionsEditor";
import { CancelSave, choiceLabel, familyLabel, type FormProblem, FormProblemNotice, OrderCell, OrderedListHead, problemOf } from "./adminCommon";

type Editing = { rule: Rule | null } | null;

export function AdminRules({ kind }: { kind: RuleKind }) {
  const { api } = useSession();
  const { t } = useI18n();
  const [language, setLanguage] = useState<RuleLanguage | null>(null);
  const [rules, setRules] = useState<Rule[] | null>(null);
  const [notice, setNotice] = useState<NoticeState | null>(null);
  const [editing, setEditing] = useState<Editing>(null);
  const [busy, setBusy] = useState(false);
  // The current translator, without making a language switch reload the page (and lose an open form).
  const tRef = useRef(t);
  tRef.current = t;

  const reload = useCallback(async () => {
    try {
      setRules((await api.rules(kind)).items);
    } catch (e) {
      setNotice({ kind: "error", text: errorText(e, tRef.current) });
    }
  }, [api, kind]);

  useEffect(() => {
    setRules(null);
    setEditing(null);
    setNotice(null);
    api.ruleLanguage().then(setLanguage, (e) => setNotice({ kind: "error", text: errorText(e, tRef.current) }));
    void reload();
  }, [api, kind, reload]);

  async function run(work: () => Promise<void>) {
    setBusy(true);
    setNotice(null);
    try {
      await work();
    } catch (e) {
      setNotice({ kind: "error", text: errorText(e, t) });
      await reload();
    } finally {
      setBusy(false);
    }
  }

  const toggle = (rule: Rule) =>
    run(async () => {
      const saved = await api.updateRule(kind, rule.id, { ...ruleBody(rule), enabled: !rule.enabled });
      setRules((rs) => rs?.map((r) => (r.id === saved.id ? saved : r)) ?? null);
      setNotice({ kind: "success", text: t(saved.enabled ? "admin.rules.switchedOn" : "admin.rules.switchedOff", { name: saved.name }) });
    });

  const move = (rule: Rule, step: -1 | 1) =>
    run(async () => {
      const ids = moved((rules ?? []).map((r) => r.id), rule.id, step);
      setRules((await api.reorderRules(kind, ids)).items);
      setNotice({ kind: "success", text: t("admin.rules.reordered") });
    });

  const remove = (rule: Rule) => {
    if (!window.confirm(t("admin.rules.confirmDelete", { name: rule.name }))) return;
    void run(async () => {
      await api.deleteRule(kind, rule.id);
      await reload();
      setNotice({ kind: "success", text: t("admin.rules.deleted") });
    });
  };

  const title = kind === "trigger" ? "admin.rules.triggersTitle" : "admin.rules.automationsTitle";
  const intro = kind === "trigger" ? "admin.rules.triggersIntro" : "admin.rules.automationsIntro";

  return (
    <section className="page admin-page" data-testid="admin-rules" data-kind={kind}>
      <div className="page-head">
        <div>
          <h1>{t(title)}</h1>
          <p className="muted">{t(intro)}</p>
        </div>
        {!editing && (
          <button type="button" className="btn btn-primary" data-testid="rule-new" disabled={!language} onClick={() => setEditing({ rule: null })}>
            {t("admin.rules.new")}
          </button>
        )}
      </div>
      <Notice notice={notice} onDismiss={() => setNotice(null)} />
      {editing && language && (
        <RuleEditor
          key={editing.rule?.id ?? "new"}
          kind={kind}
          language={language}
          rule={editing.rule}
          onCancel={() => setEditing(null)}
          onSaved={async (saved) => {
            setEditing(null);
            await reload();
            setNotice({ kind: "success", text: t("admin.rules.saved", { name: saved.name }) });
          }}
        />
      )}
      {rules === null ? (
        <Spinner text={t("admin.loading")} />
      ) : rules.length === 0 ? (
        <div className="empty" data-testid="empty-state">{t("admin.rules.empty")}</div>
      ) : (
        <div className="table-wrap">
          <table className="table rules-table">
            <OrderedListHead t={t} />
            <tbody>
              {rules.map((rule, index) => (
                <tr key={rule.id} data-testid="rule-row" data-id={rule.id} data-name={rule.name} data-enabled={String(rule.enabled)} className={rule.enabled ? undefined : "rule-off"}>
                  <OrderCell index={index} count={rules.length} busy={busy} onMove={(by) => void move(rule, by)} t={t} testIdPrefix="rule" />
                  <td>
                    <div className="rule-name">
                      <strong>{rule.name}</strong>
                      {rule.builtin && <span className="badge badge-builtin" data-testid="rule-builtin">{t("admin.rules.builtin")}</span>}
                    </div>
                    <div className="muted small">
                      {kind === "trigger" && (rule.events ?? []).map((e) => familyLabel(t, "ruleEvent", e)).join(", ")}
                      {kind === "trigger" && " · "}
                      {t("admin.rules.summary", {
                        conditions: rule.conditions.all.length + rule.conditions.any.length,
                        actions: rule.actions.length,
                      })}
                    </div>
                  </td>
                  <td className="col-enabled">
                    <label className="switch">
                      <input type="checkbox" data-testid="rule-enabled" checked={rule.enabled} disabled={busy} onChange={() => void toggle(rule)} aria-label={`${t("admin.rules.enabled")}: ${rule.name}`} />
                      <span className="switch-track" aria-hidden="true" />
                    </label>
                  </td>
                  <td className="col-actions nowrap">
                    <button type="button" className="btn btn-ghost btn-small" data-testid="rule-edit" disabled={busy} onClick={() => setEditing({ rule })}>
                      {t("admin.rules.edit")}
                    </button>
                    {!rule.builtin && (
                      <button type="button" className="btn btn-ghost btn-small btn-danger" data-testid="rule-delete" disabled={busy} onClick={() => remove(rule)}>
                        {t("admin.rules.delete")}
                      </button>
                    )}
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

// --- the editor -------------------------------------------------------------------

interface EditorProps {
  kind: RuleKind;
  language: RuleLanguage;
  rule: Rule | null;
  onCancel: () => void;
  onSaved: (rule: Rule) => Promise<void>;
}

function RuleEditor({ kind, language, rule, onCancel, onSaved }: EditorProps) {
  const { api } = useSession();
  const { t } = useI18n();
  const [form, setForm] = useState<RuleFormValues>(() => (rule ? formValues(language, rule) : emptyRule(language, kind)));
  const [problem, setProblem] = useState<FormProblem | null>(null);
  const [busy, setBusy] = useState(false);
  const badRow = problem ? rowOfPath(problem.path) : null;
  const fields = fieldsFor(language, kind);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setProblem(null);
    const body = ruleToData(language, kind, form);
    try {
      const saved = rule ? await api.updateRule(kind, rule.id, { ...body, position: rule.position }) : await api.createRule(kind, body);
      await onSaved(saved);
    } catch (err) {
      setProblem(problemOf(err, t));
    } finally {
      setBusy(false);
    }
  }

  const setConditions = (part: "all" | "any", rows: ConditionRow[]) => setForm((f) => ({ ...f, [part]: rows }));
  const setActions = (rows: ActionRow[]) => setForm((f) => ({ ...f, actions: rows }));

  return (
    <form className="panel rule-editor" data-testid="rule-editor" onSubmit={submit} noValidate>
      <h2 className="panel-title">{rule ? t("admin.rule.editTitle", { name: rule.name }) : t("admin.rule.newTitle")}</h2>
      <div className="rule-editor-top">
        <label className={`field rule-name-field${problem?.path === "name" ? " has-problem" : ""}`}>
          <span>{t("admin.rule.name")}</span>
          <input type="text" data-testid="rule-name" value={form.name} maxLength={120} onChange={(e) => setForm((f) => ({ ...f, name: e.target.value }))} />
        </label>
        <label className="checkbox">
          <input type="checkbox" data-testid="rule-enabled-field" checked={form.enabled} onChange={(e) => setForm((f) => ({ ...f, enabled: e.target.checked }))} />
          {t("admin.rule.enabled")}
        </label>
      </div>
      {kind === "trigger" && (
        <fieldset className={`rule-events${problem?.path.startsWith("events") ? " has-problem" : ""}`}>
          <legend>{t("admin.rule.events")}</legend>
          {language.events.map((ev) => (
            <label key={ev} className="checkbox">
              <input
                type="checkbox"
                data-testid={`rule-event-${ev}`}
                checked={form.events.includes(ev)}
                onChange={(e) =>
                  setForm((f) => ({ ...f, events: e.target.checked ? [...f.events, ev] : f.events.filter((x) => x !== ev) }))
                }
              />
              {familyLabel(t, "ruleEvent", ev)}
            </label>
          ))}
        </fieldset>
      )}
      {(["all", "any"] as const).map((part) => (
        <fieldset key={part} className="rule-conditions" data-testid={`conditions-${part}`}>
          <legend>{t(part === "all" ? "admin.rule.all" : "admin.rule.any")}</legend>
          {form[part].length === 0 && <p className="muted small">{t("admin.rule.noConditions")}</p>}
          {form[part].map((row, i) => (
            <ConditionEditor
              key={i}
              language={language}
              fields={fields.map((f) => f.name)}
              row={row}
              bad={badRow === `${part}-${i}`}
              onChange={(next) => setConditions(part, form[part].map((r, j) => (j === i ? next : r)))}
              onRemove={() => setConditions(part, form[part].filter((_, j) => j !== i))}
            />
          ))}
          <button
            type="button"
            className="link-button"
            data-testid={`condition-add-${part}`}
            onClick={() => setConditions(part, [...form[part], newCondition(language, fields[0]?.name ?? "")])}
          >
            + {t("admin.rule.addCondition")}
          </button>
        </fieldset>
      ))}
      <ActionListEditor
        language={language}
        available={actionsFor(language, kind)}
        rows={form.actions}
        onChange={setActions}
        legend={t("admin.rule.actions")}
        testId="rule-actions"
        bad={problem?.path === "actions"}
        badIndex={badRow?.startsWith("action-") ? Number(badRow.slice("action-".length)) : null}
      />
      <FormProblemNotice problem={problem} t={t} testId="rule-error" />
      <CancelSave busy={busy} onCancel={onCancel} t={t} testIdPrefix="rule" />
    </form>
  );
}

interface ConditionProps {
  language: RuleLanguage;
  fields: string[];
  row: ConditionRow;
  bad: boolean;
  onChange: (row: ConditionRow) => void;
  onRemove: () => void;
}

function ConditionEditor({ language, fields, row, bad, onChange, onRemove }: ConditionProps) {
  const { t } = useI18n();
  const shape = valueShape(language, row.field, row.op);
  const choices = fieldInfo(language, row.field)?.choices ?? [];
  return (
    <div className={`rule-row${bad ? " has-problem" : ""}`} data-testid="condition-row">
      <select data-testid="condition-field" aria-label={t("admin.rule.field")} value={row.field} onChange={(e) => onChange(withDefaults(language, { ...row, field: e.target.value }))}>
        {fields.map((f) => (
          <option key={f} value={f}>
            {familyLabel(t, "ruleField", f)}
          </option>
        ))}
      </select>
      <select data-testid="condition-op" aria-label={t("admin.rule.operator")} value={row.op} onChange={(e) => onChange(withDefaults(language, { ...row, op: e.target.value }))}>
        {operatorsFor(language, row.field).map((op) => (
          <option key={op} value={op}>
            {familyLabel(t, "ruleOp", op)}
          </option>
        ))}
      </select>
      <ConditionValue t={t} field={row.field} shape={shape} choices={choices} row={row} onChange={onChange} />
      <button type="button" className="icon-button" data-testid="condition-remove" aria-label={t("admin.rule.remove")} title={t("admin.rule.remove")} onClick={onRemove}>
        ×
      </button>
    </div>
  );
}

function ConditionValue({ t, field, shape, choices, row, onChange }: { t: Translate; field: string; shape: string; choices: string[]; row: ConditionRow; onChange: (row: ConditionRow) => void }) {
  const label = t("admin.rule.value");
  switch (shape) {
    case "none":
      return <span className="rule-value" />;
    case "choice":
      return (
        <select className="rule-value" data-testid="condition-value" aria-label={label} value={row.value} onChange={(e) => onChange({ ...row, value: e.target.value })}>
          {choices.map((c) => (
            <option key={c} value={c}>
              {choiceLabel(t, field, c)}
            </option>
          ))}
        </select>
      );
    case "choices":
      return (
        <span className="rule-value choice-list" data-testid="condition-value" role="group" aria-label={label}>
          {choices.map((c) => (
            <label key={c} className="checkbox">
              <input
                type="checkbox"
                value={c}
                checked={row.values.includes(c)}
                onChange={(e) => onChange({ ...row, values: e.target.checked ? [...row.values, c] : row.values.filter((v) => v !== c) })}
              />
              {choiceLabel(t, field, c)}
            </label>
          ))}
        </span>
      );
    case "flag":
      return (
        <select className="rule-value" data-testid="condition-value" aria-label={label} value={row.value} onChange={(e) => onChange({ ...row, value: e.target.value })}>
          <option value="true">{t("admin.rule.yes")}</option>
          <option value="false">{t("admin.rule.no")}</option>
        </select>
      );
    case "number":
      return <input className="rule-value" type="text" inputMode="decimal" data-testid="condition-value" aria-label={label} value={row.value} onChange={(e) => onChange({ ...row, value: e.target.value })} />;
    default: {
      const list = shape === "words" || shape === "tags";
      return (
        <input
          className="rule-value"
          type="text"
          data-testid="condition-value"
          aria-label={label}
          placeholder={list ? t("admin.rule.listHint") : undefined}
          value={row.value}
          onChange={(e) => onChange({ ...row, value: e.target.value })}
        />
      );
    }
  }
}
