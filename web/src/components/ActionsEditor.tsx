// The action rows of a rule, or of an SLA policy's escalation: which action, its value, its texts.
import { useI18n } from "../i18n";
import { actionInfo, newAction, TEMPLATE_LANGS, type ActionRow } from "../ruleForm";
import { useSession } from "../session";
import type { ActionInfo, RuleLanguage } from "../types";
import { choiceLabel, familyLabel } from "./adminCommon";

interface ActionListProps {
  language: RuleLanguage;
  available: ActionInfo[];
  rows: ActionRow[];
  onChange: (rows: ActionRow[]) => void;
  legend: string;
  testId: string;
  /** The server found fault with the list as a whole (none given, say). */
  bad: boolean;
  /** The row the server found fault with. */
  badIndex: number | null;
}

export function ActionListEditor({ language, available, rows, onChange, legend, testId, bad, badIndex }: ActionListProps) {
  const { t } = useI18n();
  return (
    <fieldset className={`rule-actions${bad ? " has-problem" : ""}`} data-testid={testId}>
      <legend>{legend}</legend>
      {rows.map((row, i) => (
        <ActionEditor
          key={i}
          available={available}
          language={language}
          row={row}
          bad={badIndex === i}
          onChange={(next) => onChange(rows.map((r, j) => (j === i ? next : r)))}
          onRemove={() => onChange(rows.filter((_, j) => j !== i))}
        />
      ))}
      <button
        type="button"
        className="link-button"
        data-testid="action-add"
        onClick={() => onChange([...rows, newAction(language, available[0]?.kind ?? "")])}
      >
        + {t("admin.rule.addAction")}
      </button>
      <p className="muted small">{t("admin.rule.placeholders", { list: language.placeholders.map((p) => `{${p}}`).join(" ") })}</p>
    </fieldset>
  );
}

interface ActionProps {
  /** The actions the row may pick from (a rule kind's, or the SLA escalation's). */
  available: ActionInfo[];
  language: RuleLanguage;
  row: ActionRow;
  bad: boolean;
  onChange: (row: ActionRow) => void;
  onRemove: () => void;
}

function ActionEditor({ available, language, row, bad, onChange, onRemove }: ActionProps) {
  const { t } = useI18n();
  const { agents, groups } = useSession();
  const info = actionInfo(language, row.kind);
  const shape = info?.value ?? "none";
  const label = t("admin.rule.value");
  let value = null;
  if (shape === "choice") {
    value = (
      <select className="rule-value" data-testid="action-value" aria-label={label} value={row.value} onChange={(e) => onChange({ ...row, value: e.target.value })}>
        {info?.choices.map((c) => (
          <option key={c} value={c}>
            {choiceLabel(t, row.kind, c)}
          </option>
        ))}
      </select>
    );
  } else if (shape === "tags") {
    value = <input className="rule-value" type="text" data-testid="action-value" aria-label={label} placeholder={t("admin.rule.listHint")} value={row.value} onChange={(e) => onChange({ ...row, value: e.target.value })} />;
  } else if (shape === "group") {
    value = (
      <select className="rule-value" data-testid="action-value" aria-label={label} value={row.value} onChange={(e) => onChange({ ...row, value: e.target.value })}>
        <option value="">{t("props.noGroup")}</option>
        {row.value && !groups.some((g) => g.id === row.value) && <option value={row.value}>{row.value}</option>}
        {groups.map((g) => (
          <option key={g.id} value={g.id}>
            {g.name}
          </option>
        ))}
      </select>
    );
  } else if (shape === "agent") {
    value = (
      <select className="rule-value" data-testid="action-value" aria-label={label} value={row.value} onChange={(e) => onChange({ ...row, value: e.target.value })}>
        <option value="">{t("admin.rule.nobody")}</option>
        {row.value && !agents.some((a) => a.id === row.value) && <option value={row.value}>{row.value}</option>}
        {agents.map((a) => (
          <option key={a.id} value={a.id}>
            {a.name || a.email}
          </option>
        ))}
      </select>
    );
  }
  const templates = shape === "templates" || shape === "templates_subject";
  return (
    <div className={`rule-action${bad ? " has-problem" : ""}`} data-testid="action-row">
      <div className="rule-row">
        <select
          data-testid="action-kind"
          aria-label={t("admin.rule.action")}
          value={row.kind}
          onChange={(e) => onChange({ ...newAction(language, e.target.value), templates: row.templates, subject: row.subject })}
        >
          {available.map((a) => (
            <option key={a.kind} value={a.kind}>
              {familyLabel(t, "ruleAction", a.kind)}
            </option>
          ))}
        </select>
        {value ?? <span className="rule-value" />}
        <button type="button" className="icon-button" data-testid="action-remove" aria-label={t("admin.rule.remove")} title={t("admin.rule.remove")} onClick={onRemove}>
          ×
        </button>
      </div>
      {templates && (
        <div className="rule-templates">
          {shape === "templates_subject" && (
            <label className="field">
              <span>{t("admin.rule.subject")}</span>
              <input type="text" data-testid="action-subject" value={row.subject} onChange={(e) => onChange({ ...row, subject: e.target.value })} />
            </label>
          )}
          {TEMPLATE_LANGS.map((lang) => (
            <label key={lang} className="field">
              <span>{t(`admin.rule.template.${lang}`)}</span>
              <textarea
                rows={2}
                data-testid={`action-template-${lang}`}
                value={row.templates[lang]}
                onChange={(e) => onChange({ ...row, templates: { ...row.templates, [lang]: e.target.value } })}
              />
            </label>
          ))}
        </div>
      )}
    </div>
  );
}
