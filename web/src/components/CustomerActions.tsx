// The requester panel's housekeeping: link another contact to a customer, merge a duplicate in.
import { useId, useState, type FormEvent, type ReactNode } from "react";
import { ApiError } from "../api";
import { useI18n, type MessageKey } from "../i18n";
import { errorText, useSession } from "../session";
import { IDENTITY_KINDS, type Customer, type IdentityKind } from "../types";

/** A customer's name, or a contact of theirs when the name is empty. */
export function customerLabel(c: Customer): string {
  return c.name || c.identities?.[0]?.value || c.id;
}

/** A link-style button that shows or hides the form below it. */
function Disclosure({
  open,
  onToggle,
  controls,
  testId,
  children,
}: {
  open: boolean;
  onToggle: () => void;
  controls: string;
  testId: string;
  children: ReactNode;
}) {
  return (
    <button
      type="button"
      className="link-button disclosure"
      aria-expanded={open}
      aria-controls={open ? controls : undefined}
      data-testid={testId}
      onClick={onToggle}
    >
      <span aria-hidden="true">{open ? "▾" : "▸"}</span> {children}
    </button>
  );
}

function KindSelect({
  value,
  onChange,
  disabled,
  testId,
}: {
  value: IdentityKind;
  onChange: (k: IdentityKind) => void;
  disabled: boolean;
  testId: string;
}) {
  const { t } = useI18n();
  return (
    <label className="field">
      <span>{t("requester.kind")}</span>
      <select data-testid={testId} value={value} disabled={disabled} onChange={(e) => onChange(e.target.value as IdentityKind)}>
        {IDENTITY_KINDS.map((k) => (
          <option key={k} value={k}>
            {t(`identity.${k}` as MessageKey)}
          </option>
        ))}
      </select>
    </label>
  );
}

function FormError({ text, testId }: { text: string | null; testId: string }) {
  if (!text) return null;
  return (
    <p className="form-error" role="alert" data-testid={testId}>
      {text}
    </p>
  );
}

// --- link an identity -----------------------------------------------------------------

export function AddIdentity({ customer, onAdded }: { customer: Customer; onAdded: () => Promise<void> }) {
  const { api } = useSession();
  const { t } = useI18n();
  const formId = useId();
  const [open, setOpen] = useState(false);
  const [kind, setKind] = useState<IdentityKind>("email");
  const [value, setValue] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!value.trim() || busy) return;
    setBusy(true);
    setError(null);
    try {
      await api.addIdentity(customer.id, kind, value.trim());
      setValue("");
      setOpen(false);
      await onAdded();
    } catch (err) {
      setError(errorText(err, t));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="customer-action">
      <Disclosure
        open={open}
        controls={formId}
        testId="identity-open"
        onToggle={() => {
          setOpen((o) => !o);
          setError(null);
        }}
      >
        {t("requester.addContact")}
      </Disclosure>
      {open && (
        <form id={formId} className="customer-form" onSubmit={submit} aria-label={t("requester.addContact")} aria-busy={busy}>
          <KindSelect testId="identity-kind" value={kind} disabled={busy} onChange={setKind} />
          <label className="field">
            <span>{t("requester.value")}</span>
            <input
              data-testid="identity-value"
              type="text"
              value={value}
              disabled={busy}
              autoFocus
              autoComplete="off"
              spellCheck={false}
              inputMode={kind === "phone" ? "tel" : kind === "email" ? "email" : undefined}
              onChange={(e) => {
                setValue(e.target.value);
                setError(null);
              }}
            />
          </label>
          <FormError text={error} testId="identity-error" />
          <button type="submit" data-testid="identity-add" className="btn btn-block" disabled={busy || !value.trim()}>
            {busy ? t("requester.adding") : t("requester.add")}
          </button>
        </form>
      )}
    </div>
  );
}

// --- merge another customer into this one ---------------------------------------------

type MergeBusy = "find" | "merge" | null;

export function MergeCustomer({ customer, onMerged }: { customer: Customer; onMerged: (done: string) => Promise<void> }) {
  const { api } = useSession();
  const { t } = useI18n();
  const formId = useId();
  const [open, setOpen] = useState(false);
  const [kind, setKind] = useState<IdentityKind>("email");
  const [value, setValue] = useState("");
  const [busy, setBusy] = useState<MergeBusy>(null);
  const [error, setError] = useState<string | null>(null);
  const [found, setFound] = useState<Customer | null>(null);
  const target = customerLabel(customer);

  function edited() {
    setFound(null);
    setError(null);
  }

  async function find(e: FormEvent) {
    e.preventDefault();
    if (!value.trim() || busy) return;
    setBusy("find");
    edited();
    try {
      setFound(await api.findCustomer(kind, value.trim()));
    } catch (err) {
      setError(err instanceof ApiError && err.status === 404 ? t("merge.notFound") : errorText(err, t));
    } finally {
      setBusy(null);
    }
  }

  async function merge() {
    if (!found || busy) return;
    setBusy("merge");
    setError(null);
    try {
      await api.mergeCustomer(customer.id, found.id);
      const done = t("merge.done", { source: customerLabel(found), target });
      setFound(null);
      setValue("");
      setOpen(false);
      await onMerged(done);
    } catch (err) {
      setError(errorText(err, t));
    } finally {
      setBusy(null);
    }
  }

  const same = found !== null && found.id === customer.id;

  return (
    <div className="customer-action">
      <Disclosure
        open={open}
        controls={formId}
        testId="merge-open"
        onToggle={() => {
          setOpen((o) => !o);
          edited();
        }}
      >
        {t("merge.open")}
      </Disclosure>
      {open && (
        <div id={formId} className="customer-form">
          <form onSubmit={find} aria-label={t("merge.open")} aria-busy={busy === "find"}>
            <p className="muted small">{t("merge.intro", { name: target })}</p>
            <KindSelect
              testId="merge-kind"
              value={kind}
              disabled={busy !== null}
              onChange={(k) => {
                setKind(k);
                edited();
              }}
            />
            <label className="field">
              <span>{t("requester.value")}</span>
              <input
                data-testid="merge-value"
                type="text"
                value={value}
                disabled={busy !== null}
                autoFocus
                autoComplete="off"
                spellCheck={false}
                inputMode={kind === "phone" ? "tel" : kind === "email" ? "email" : undefined}
                onChange={(e) => {
                  setValue(e.target.value);
                  edited();
                }}
              />
            </label>
            <button type="submit" data-testid="merge-find" className="btn btn-block" disabled={busy !== null || !value.trim()}>
              {busy === "find" ? t("merge.finding") : t("merge.find")}
            </button>
          </form>
          <div aria-live="polite">
            {found && (
              <section className="merge-found" data-testid="merge-found" aria-label={t("merge.found")}>
                <strong className="break">{customerLabel(found)}</strong>
                {found.identities?.length > 0 && (
                  <ul className="identities">
                    {found.identities.map((i) => (
                      <li key={`${i.kind}:${i.value}`}>
                        <span className="identity-kind">{i.kind}</span> <span className="break">{i.value}</span>
                      </li>
                    ))}
                  </ul>
                )}
                <p className="muted small">{t("merge.tickets", { count: found.tickets?.length ?? 0 })}</p>
                {same ? (
                  <p className="muted small">{t("merge.same")}</p>
                ) : (
                  <button
                    type="button"
                    data-testid="merge-confirm"
                    className="btn btn-primary btn-block merge-confirm"
                    disabled={busy !== null}
                    onClick={() => void merge()}
                  >
                    {busy === "merge" ? t("merge.merging") : t("merge.confirm", { name: target })}
                  </button>
                )}
              </section>
            )}
          </div>
          <FormError text={error} testId="merge-error" />
        </div>
      )}
    </div>
  );
}

// --- VIP and organisation (routing reads both) -----------------------------------------------

export function CustomerTraits({ customer, onSaved }: { customer: Customer; onSaved: (done: string) => Promise<void> }) {
  const { api } = useSession();
  const { t } = useI18n();
  const formId = useId();
  const [open, setOpen] = useState(false);
  const [vip, setVip] = useState(!!customer.vip);
  const [organisation, setOrganisation] = useState(customer.organisation ?? "");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.setCustomerTraits(customer.id, { vip, organisation: organisation.trim() });
      setOpen(false);
      await onSaved(t("requester.traitsSaved"));
    } catch (err) {
      setError(errorText(err, t));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="customer-action">
      <Disclosure
        open={open}
        controls={formId}
        testId="traits-open"
        onToggle={() => {
          setOpen((o) => !o);
          setVip(!!customer.vip);
          setOrganisation(customer.organisation ?? "");
          setError(null);
        }}
      >
        {t("requester.traits")}
      </Disclosure>
      {open && (
        <form id={formId} className="customer-form" onSubmit={submit} aria-label={t("requester.traits")} aria-busy={busy}>
          <label className="checkbox">
            <input type="checkbox" data-testid="traits-vip" checked={vip} disabled={busy} onChange={(e) => setVip(e.target.checked)} />
            {t("requester.vipCustomer")}
          </label>
          <label className="field">
            <span>{t("requester.organisation")}</span>
            <input data-testid="traits-organisation" type="text" value={organisation} maxLength={200} disabled={busy} onChange={(e) => setOrganisation(e.target.value)} />
          </label>
          <FormError text={error} testId="traits-error" />
          <button type="submit" data-testid="traits-save" className="btn btn-block" disabled={busy}>
            {busy ? t("admin.saving") : t("admin.save")}
          </button>
        </form>
      )}
    </div>
  );
}
