// Pieces the admin screens share: labels of the rule language, and a server error shown with its path.
import { ApiError } from "../api";
import { optionKey, type Translate } from "../i18n";
import { splitError } from "../ruleForm";
import { errorText } from "../session";

/** A label from the dictionary's family ("ruleField", "ruleOp", …), or the raw value when it has none. */
export function familyLabel(t: Translate, family: string, value: string): string {
  const key = optionKey(family, value);
  return key ? t(key) : value;
}

/** The label of a choice a field (or an action) offers: a status, a priority, a weekday, an event… */
export function choiceLabel(t: Translate, field: string, value: string): string {
  const family: Record<string, string> = {
    "ticket.status": "status",
    "ticket.priority": "priority",
    "ticket.type": "type",
    "ticket.channel": "channel",
    "time.weekday": "weekday",
    event: "ruleEvent",
    set_priority: "priority",
    set_status: "status",
    set_type: "type",
  };
  if (value === "" && (field === "ticket.type" || field === "set_type")) return t("type.none");
  return family[field] ? familyLabel(t, family[field], value) : value;
}

export interface FormProblem {
  path: string;
  reason: string;
}

/** What went wrong, with the path the server named ("conditions.all[0].value") when it named one. */
export function problemOf(err: unknown, t: Translate): FormProblem {
  if (err instanceof ApiError && (err.code === "invalid" || err.code === "bad_request") && err.serverMessage) {
    return splitError(err.serverMessage);
  }
  return { path: "", reason: errorText(err, t) };
}

export function FormProblemNotice({ problem, t, testId }: { problem: FormProblem | null; t: Translate; testId: string }) {
  if (!problem) return null;
  return (
    <div className="notice notice-error form-problem" role="alert" data-testid={testId} data-path={problem.path}>
      {problem.path && (
        <span className="form-problem-path">
          {t("admin.errorAt")} <code>{problem.path}</code>:
        </span>
      )}{" "}
      <span className="form-problem-reason">{problem.reason}</span>
    </div>
  );
}

/** An editor's Cancel and Save, Save showing that it is at work (`testIdPrefix`-cancel, -save). */
export function CancelSave({ busy, onCancel, t, testIdPrefix }: { busy: boolean; onCancel: () => void; t: Translate; testIdPrefix: string }) {
  return (
    <div className="form-buttons">
      <button type="button" className="btn btn-ghost" data-testid={`${testIdPrefix}-cancel`} onClick={onCancel}>
        {t("admin.cancel")}
      </button>
      <button type="submit" className="btn btn-primary" data-testid={`${testIdPrefix}-save`} disabled={busy}>
        {busy ? t("admin.saving") : t("admin.save")}
      </button>
    </div>
  );
}

/** The header of an ordered list of rules or policies: order, name, on/off, edit. */
export function OrderedListHead({ t }: { t: Translate }) {
  return (
    <thead>
      <tr>
        <th className="col-order">{t("admin.rules.order")}</th>
        <th>{t("admin.rules.name")}</th>
        <th className="col-enabled">{t("admin.rules.enabled")}</th>
        <th className="col-actions" aria-label={t("admin.rules.edit")} />
      </tr>
    </thead>
  );
}

/** A row's place in an ordered list, with the buttons that move it up and down (`testIdPrefix`-up, -down). */
export function OrderCell({ index, count, busy, onMove, t, testIdPrefix }: { index: number; count: number; busy: boolean; onMove: (by: -1 | 1) => void; t: Translate; testIdPrefix: string }) {
  return (
    <td className="col-order nowrap">
      <span className="rule-position">{index + 1}</span>
      <button type="button" className="icon-button" data-testid={`${testIdPrefix}-up`} aria-label={t("admin.rules.up")} title={t("admin.rules.up")} disabled={busy || index === 0} onClick={() => onMove(-1)}>
        ↑
      </button>
      <button type="button" className="icon-button" data-testid={`${testIdPrefix}-down`} aria-label={t("admin.rules.down")} title={t("admin.rules.down")} disabled={busy || index === count - 1} onClick={() => onMove(1)}>
        ↓
      </button>
    </td>
  );
}
