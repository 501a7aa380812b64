import { useState, type FormEvent } from "react";
import { localSignIn, startCognitoSignIn } from "../auth";
import type { AppConfig } from "../config";
import { useI18n } from "../i18n";
import { errorText } from "../session";
import { LanguageSwitch, Notice } from "./common";

interface Props {
  config: AppConfig;
  /** An error to show on arrival (e.g. from the Hosted UI redirect). */
  initialError: string | null;
  onSignedIn: (token: string) => void;
}

export function Login({ config, initialError, onSignedIn }: Props) {
  const { t } = useI18n();
  const [email, setEmail] = useState(t("login.emailHint"));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(initialError);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    setBusy(true);
    try {
      if (config.auth === "local") {
        const res = await localSignIn(config.apiBase, email.trim());
        onSignedIn(res.token);
      } else {
        await startCognitoSignIn(config);
        return; // the browser is leaving for the Hosted UI
      }
    } catch (err) {
      setError(t("login.failed", { message: errorText(err, t) }));
    }
    setBusy(false);
  }

  return (
    <div className="login-page">
      <div className="login-lang">
        <LanguageSwitch />
      </div>
      <form className="login-card" onSubmit={submit}>
        <div className="brand brand-large">
          <span className="brand-mark" aria-hidden="true">S</span>
          {t("app.name")}
        </div>
        <h1>{t("login.title")}</h1>
        <p className="muted">{t("login.subtitle")}</p>
        <Notice notice={error ? { kind: "error", text: error } : null} />
        {config.auth === "local" ? (
          <>
            <label className="field">
              <span>{t("login.email")}</span>
              <input
                data-testid="login-email"
                type="email"
                name="email"
                autoComplete="username"
                required
                autoFocus
                placeholder={t("login.emailHint")}
                value={email}
                onChange={(e) => setEmail(e.target.value)}
              />
            </label>
            <button data-testid="login-submit" className="btn btn-primary btn-block" type="submit" disabled={busy}>
              {busy ? t("login.submitting") : t("login.submit")}
            </button>
            <p className="hint">{t("login.localNote")}</p>
          </>
        ) : (
          <button data-testid="login-submit" className="btn btn-primary btn-block" type="submit" disabled={busy}>
            {busy ? t("login.submitting") : t("login.cognito")}
          </button>
        )}
      </form>
    </div>
  );
}
