// The SLA as the ticket screens show it: a countdown badge, and the ticket page's panel of targets.
import { dateTime } from "../format";
import { useI18n } from "../i18n";
import { badgeText, badgeTitle, formatLeft, secondsLeft, slaTone, stateName, targetCountdown, targetName, type Countdown } from "../sla";
import type { SlaTargetView, SlaView } from "../types";

/** "1h 20m" in green, amber or red; "paused" in grey; a check once met. The tooltip says what and when. */
export function SlaCountdown({ countdown, now, testId = "sla-badge" }: { countdown: Countdown; now: number; testId?: string }) {
  const { t, lang } = useI18n();
  const tone = slaTone(countdown, now);
  const title = badgeTitle(countdown, now, t, lang);
  return (
    <span
      className={`badge sla-badge sla-${tone}`}
      data-testid={testId}
      data-tone={tone}
      data-target={countdown.target}
      data-state={countdown.state}
      title={title}
      aria-label={`${badgeText(countdown, now, t)} · ${title}`}
    >
      {badgeText(countdown, now, t)}
    </span>
  );
}

/** Every target of the ticket's SLA: its state, when it is due (or was met) and the time left. */
export function SlaPanel({ sla, now }: { sla: SlaView; now: number }) {
  const { t } = useI18n();
  return (
    <section className="panel sla-panel" data-testid="sla-panel">
      <h2 className="panel-title">{t("sla.title")}</h2>
      <div className="muted small" data-testid="sla-policy">
        {t("sla.policy", { name: sla.policy.name })}
      </div>
      <ul className="sla-targets">
        {sla.targets.map((target) => (
          <SlaTargetItem key={`${target.target}:${target.cycle}`} target={target} countdown={targetCountdown(sla, target)} now={now} />
        ))}
      </ul>
    </section>
  );
}

function SlaTargetItem({ target, countdown, now }: { target: SlaTargetView; countdown: Countdown; now: number }) {
  const { t, lang } = useI18n();
  const left = secondsLeft(countdown, now);
  const details = [stateName(t, target.state)];
  if (target.state === "met" && target.met_at) details.push(dateTime(target.met_at, lang));
  else if (target.due_at) details.push(`${t("sla.due")} ${dateTime(target.due_at, lang)}`);
  else if (left !== null) details.push(`${t("sla.left")} ${formatLeft(left, t)}`);
  details.push(t(target.business ? "sla.businessHours" : "sla.calendarTime"));
  return (
    <li data-testid="sla-target" data-target={target.target} data-state={target.state}>
      <div className="sla-target-head">
        <strong>{targetName(t, target.target, target.cycle)}</strong>
        <SlaCountdown countdown={countdown} now={now} testId="sla-target-left" />
      </div>
      <div className="muted small">{details.join(" · ")}</div>
    </li>
  );
}
