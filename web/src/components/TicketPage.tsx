import { useCallback, useEffect, useMemo, useRef, useState, type FormEvent } from "react";
import { ApiError } from "../api";
import { dateTime, fileSize } from "../format";
import { buildPatch, replyChannels, valuesOf, type FormValues } from "../ticketForm";
import { useI18n, type I18n, type Lang, type MessageKey, type Translate } from "../i18n";
import { ticketHref, formatRoute, type ViewId } from "../router";
import { agentName, errorText, useSession } from "../session";
import {
  PRIORITIES,
  STATUSES,
  TICKET_TYPES,
  type Agent,
  type Channel,
  type Customer,
  type Message,
  type Ticket,
  type TicketDetail,
  type TicketEvent,
} from "../types";
import { AddIdentity, CustomerTraits, MergeCustomer } from "./CustomerActions";
import { assignmentReason, routingLine } from "../routingEvents";
import { mostUrgent, SLA_TICK_MS, slaEventLine, targetCountdown } from "../sla";
import { Notice, PriorityLabel, RelativeTime, Spinner, StatusBadge, useNow, type NoticeState } from "./common";
import { initials } from "./Layout";
import { SlaCountdown, SlaPanel } from "./Sla";

export function TicketPage({ number, backView }: { number: number; backView: ViewId }) {
  const { api } = useSession();
  const { t, label } = useI18n();
  const now = useNow(SLA_TICK_MS);
  const [detail, setDetail] = useState<TicketDetail | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [notice, setNotice] = useState<NoticeState | null>(null);
  const seq = useRef(0);

  const reload = useCallback(async () => {
    const mine = ++seq.current;
    try {
      const d = await api.ticket(number);
      if (mine !== seq.current) return;
      setDetail(d);
      setLoadError(null);
    } catch (e) {
      if (mine === seq.current) setLoadError(e);
    }
  }, [api, number]);

  useEffect(() => {
    setDetail(null);
    setLoadError(null);
    setNotice(null);
    void reload();
  }, [reload]);

  useEffect(() => {
    if (detail) document.title = `#${detail.ticket.number} ${detail.ticket.subject} · ${t("app.name")}`;
    return () => {
      document.title = t("app.name");
    };
  }, [detail, t]);

  const back = (
    <a className="back-link" href={formatRoute({ name: "view", view: backView })}>
      ← {t("app.backToTickets")}
    </a>
  );

  if (!detail) {
    return (
      <section className="page">
        {back}
        {loadError ? (
          <Notice notice={{ kind: "error", text: errorText(loadError, t) }} />
        ) : (
          <Spinner text={t("ticket.loading")} />
        )}
      </section>
    );
  }

  const { ticket, messages, events, requester, sla } = detail;
  const urgent = sla ? mostUrgent(sla.targets) : null;

  return (
    <section className="page ticket-page">
      {back}
      <div className="ticket-head">
        <h1 data-testid="ticket-title">
          <span className="ticket-number">#{ticket.number}</span> {ticket.subject || t("list.noSubject")}
        </h1>
        <div className="ticket-meta">
          <StatusBadge status={ticket.status} testId="ticket-status" />
          <span data-testid="ticket-priority" data-priority={ticket.priority} title={t("ticket.priority")}>
            <PriorityLabel priority={ticket.priority} />
          </span>
          <span className={`channel channel-${ticket.channel}`}>{label("channel", ticket.channel)}</span>
          {sla && urgent && <SlaCountdown countdown={targetCountdown(sla, urgent)} now={now} testId="ticket-sla" />}
          <span className="muted small">
            {t("ticket.created")} <RelativeTime iso={ticket.created_at} now={now} />
          </span>
        </div>
      </div>
      <Notice notice={notice} onDismiss={() => setNotice(null)} />
      <div className="ticket-grid">
        <div className="ticket-main">
          <Conversation messages={messages} now={now} />
          <ReplyBox
            ticket={ticket}
            requester={requester}
            onSent={async (isPublic) => {
              setNotice({ kind: "success", text: t(isPublic ? "reply.sent" : "reply.noteAdded") });
              await reload();
            }}
            onError={(e) => setNotice({ kind: "error", text: errorText(e, t) })}
          />
          <History events={events} now={now} requester={requester} />
        </div>
        <aside className="ticket-side">
          {sla && <SlaPanel sla={sla} now={now} />}
          <PropertiesPanel
            ticket={ticket}
            reason={assignmentReason(events)}
            onNotice={setNotice}
            onUpdated={(tk) => {
              setDetail((d) => (d ? { ...d, ticket: tk } : d));
              void reload();
            }}
            onConflict={() => void reload()}
          />
          <RequesterPanel
            customer={requester}
            current={ticket.number}
            now={now}
            onChanged={async (done) => {
              await reload();
              setNotice({ kind: "success", text: done });
            }}
          />
        </aside>
      </div>
    </section>
  );
}

// --- conversation -------------------------------------------------------------

function sortByTime<T extends { created_at: string }>(items: T[]): T[] {
  return items
    .map((x, i) => ({ x, i, at: Date.parse(x.created_at) || 0 }))
    .sort((a, b) => a.at - b.at || a.i - b.i)
    .map((e) => e.x);
}

function Conversation({ messages, now }: { messages: Message[]; now: number }) {
  const { t } = useI18n();
  const sorted = useMemo(() => sortByTime(messages), [messages]);
  return (
    <section className="conversation" aria-label={t("ticket.conversation")}>
      {sorted.length === 0 && <div className="empty">{t("ticket.noMessages")}</div>}
      {sorted.map((m) => (
        <MessageItem key={m.id} message={m} now={now} />
      ))}
    </section>
  );
}

function MessageItem({ message: m, now }: { message: Message; now: number }) {
  const { api } = useSession();
  const { t, label } = useI18n();
  const [full, setFull] = useState(false);
  const text = m.text || m.full_text || "";
  const hasMore = !!m.full_text && m.full_text !== text;
  const wholeBody = m.full_bodies?.full_text ?? m.full_bodies?.text;
  const isNote = !m.public && m.author_type !== "system";
  const classes = ["message", `message-${m.author_type}`, isNote ? "message-note" : m.public ? "message-public" : "message-private"];
  return (
    <article className={classes.join(" ")} data-testid="message" data-author-type={m.author_type} data-public={String(m.public)} data-id={m.id}>
      <header className="message-head">
        <span className={`avatar avatar-${m.author_type}`} aria-hidden="true">
          {initials(m.author_name || (m.author_type === "system" ? "S" : "?"))}
        </span>
        <span className="message-author">
          {m.author_name || (m.author_type === "system" ? t("ticket.system") : t("ticket.customer"))}
        </span>
        {isNote && <span className="note-label">{t("ticket.internalNote")}</span>}
        <span className="muted small">
          <RelativeTime iso={m.created_at} now={now} />
          {m.channel && m.public && ` · ${t("ticket.via", { channel: label("channel", m.channel) })}`}
        </span>
      </header>
      <div className="message-body">{full ? m.full_text : text}</div>
      {hasMore && (
        <button type="button" className="link-button" data-testid="message-toggle-full" onClick={() => setFull((f) => !f)} aria-expanded={full}>
          {full ? t("ticket.hideFull") : t("ticket.showFull")}
        </button>
      )}
      {wholeBody && (
        <a href={api.resolve(wholeBody)} target="_blank" rel="noopener noreferrer" className="small" data-testid="message-whole-body">
          {t("ticket.wholeMessage")}
        </a>
      )}
      {m.attachments?.length > 0 && (
        <ul className="attachments" aria-label={t("ticket.attachments")}>
          {m.attachments.map((a) => (
            <li key={a.id}>
              <a href={api.resolve(a.url)} target="_blank" rel="noopener noreferrer" data-testid="attachment">
                <PaperclipIcon /> {a.filename}
              </a>{" "}
              <span className="muted small">{fileSize(a.size)}</span>
            </li>
          ))}
        </ul>
      )}
      {m.omitted_attachments > 0 && (
        <div className="muted small" data-testid="omitted-attachments">
          {t("ticket.omittedAttachments", { count: String(m.omitted_attachments) })}
        </div>
      )}
      {m.delivery_status && m.author_type === "agent" && m.public && (
        <div className={`delivery delivery-${m.delivery_status}`}>{t("ticket.delivery", { status: m.delivery_status })}</div>
      )}
    </article>
  );
}

function PaperclipIcon() {
  return (
    <svg className="icon" viewBox="0 0 16 16" width="14" height="14" aria-hidden="true" focusable="false">
      <path
        d="M10.5 4.5 5.6 9.4a1.4 1.4 0 0 0 2 2l5-5a2.8 2.8 0 0 0-4-4l-5 5a4.2 4.2 0 0 0 6 6l4.4-4.4"
        fill="none"
        stroke="currentColor"
        strokeWidth="1.4"
        strokeLinecap="round"
        strokeLinejoin="round"
      />
    </svg>
  );
}

// --- reply ----------------------------------------------------------------------

interface ReplyProps {
  ticket: Ticket;
  requester: Customer;
  onSent: (isPublic: boolean) => Promise<void>;
  onError: (e: unknown) => void;
}

function ReplyBox({ ticket, requester, onSent, onError }: ReplyProps) {
  const { api } = useSession();
  const { t, label } = useI18n();
  const [body, setBody] = useState("");
  const [isPublic, setPublic] = useState(true);
  const channels = replyChannels(ticket, requester);
  const [via, setVia] = useState<Channel>(ticket.channel);
  const [busy, setBusy] = useState(false);

  async function send(e: FormEvent) {
    e.preventDefault();
    if (!body.trim() || busy) return;
    setBusy(true);
    try {
      await api.addMessage(ticket.number, body, isPublic, isPublic && via !== ticket.channel ? via : undefined);
      setBody("");
      await onSent(isPublic);
    } catch (err) {
      onError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className={`reply ${isPublic ? "reply-public" : "reply-internal"}`} onSubmit={send}>
      <div className="segmented" role="group">
        <button type="button" data-testid="reply-public" aria-pressed={isPublic} className={isPublic ? "on" : undefined} onClick={() => setPublic(true)}>
          {t("reply.public")}
        </button>
        <button type="button" data-testid="reply-internal" aria-pressed={!isPublic} className={!isPublic ? "on" : undefined} onClick={() => setPublic(false)}>
          {t("reply.internal")}
        </button>
      </div>
      <textarea
        data-testid="reply-body"
        rows={5}
        value={body}
        placeholder={isPublic ? t("reply.placeholderPublic") : t("reply.placeholderInternal")}
        aria-label={isPublic ? t("reply.public") : t("reply.internal")}
        onChange={(e) => setBody(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) void send(e);
        }}
      />
      <div className="reply-actions">
        {isPublic && channels.length > 1 ? (
          <label className="reply-via">
            {t("reply.via")}{" "}
            <select data-testid="reply-channel" value={via} onChange={(e) => setVia(e.target.value as Channel)}>
              {channels.map((channel) => (
                <option key={channel} value={channel}>
                  {label("channel", channel)}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        <button type="submit" data-testid="reply-send" className="btn btn-primary" disabled={busy || !body.trim()}>
          {busy ? t("reply.sending") : t("reply.send")}
        </button>
      </div>
    </form>
  );
}

// --- properties -----------------------------------------------------------------

interface PropsPanelProps {
  ticket: Ticket;
  /** Why routing assigned the ticket as it did (its latest decision on the assignee). */
  reason: string | null;
  onNotice: (n: NoticeState | null) => void;
  onUpdated: (tk: Ticket) => void;
  onConflict: () => void;
}

function PropertiesPanel({ ticket, reason, onNotice, onUpdated, onConflict }: PropsPanelProps) {
  const { api, agents, groups } = useSession();
  const { t, label } = useI18n();
  // Only the fields the agent touched; the rest follow the ticket as it reloads.
  const [edits, setEdits] = useState<Partial<FormValues>>({});
  const [busy, setBusy] = useState(false);
  const base = valuesOf(ticket);
  const values: FormValues = { ...base, ...edits };

  function set<K extends keyof FormValues>(key: K, value: FormValues[K]) {
    setEdits((e) => ({ ...e, [key]: value }));
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    const patch = buildPatch(ticket, edits);
    if (Object.keys(patch).length === 0) {
      onNotice({ kind: "success", text: t("props.noChanges") });
      return;
    }
    setBusy(true);
    onNotice(null);
    try {
      const res = await api.updateTicket(ticket.number, ticket.version, patch);
      setEdits({});
      onNotice({ kind: "success", text: t("props.updated") });
      onUpdated(res.ticket);
    } catch (err) {
      if (err instanceof ApiError && (err.status === 409 || err.code === "conflict")) {
        setEdits({});
        onNotice({ kind: "warning", text: t("notice.conflict") });
        onConflict();
      } else {
        onNotice({ kind: "error", text: errorText(err, t) });
      }
    } finally {
      setBusy(false);
    }
  }

  const assigneeKnown = !values.assignee || agents.some((a) => a.id === values.assignee);
  const groupKnown = !values.group || groups.some((g) => g.id === values.group);

  return (
    <form className="panel" onSubmit={submit} data-testid="properties">
      <h2 className="panel-title">{t("props.title")}</h2>
      <label className="field">
        <span>{t("props.status")}</span>
        <select data-testid="status-select" value={values.status} onChange={(e) => set("status", e.target.value)}>
          {!(STATUSES as readonly string[]).includes(values.status) && <option value={values.status}>{values.status}</option>}
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {label("status", s)}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>{t("props.priority")}</span>
        <select data-testid="priority-select" value={values.priority} onChange={(e) => set("priority", e.target.value)}>
          {PRIORITIES.map((p) => (
            <option key={p} value={p}>
              {label("priority", p)}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>{t("props.type")}</span>
        <select data-testid="type-select" value={values.type} onChange={(e) => set("type", e.target.value)}>
          <option value="">{t("type.none")}</option>
          {TICKET_TYPES.map((x) => (
            <option key={x} value={x}>
              {label("type", x)}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>{t("props.assignee")}</span>
        <select data-testid="assignee-select" value={values.assignee} onChange={(e) => set("assignee", e.target.value)}>
          <option value="">{t("props.unassigned")}</option>
          {!assigneeKnown && <option value={values.assignee}>{values.assignee}</option>}
          {agents.map((a) => (
            <option key={a.id} value={a.id}>
              {a.name || a.email}
            </option>
          ))}
        </select>
        {reason && (
          <span className="assignment-reason muted small" data-testid="assignment-reason">
            {t("ticket.assignmentReason", { reason })}
          </span>
        )}
      </label>
      <label className="field">
        <span>{t("props.group")}</span>
        <select data-testid="group-select" value={values.group} onChange={(e) => set("group", e.target.value)}>
          <option value="">{t("props.noGroup")}</option>
          {!groupKnown && <option value={values.group}>{values.group}</option>}
          {groups.map((g) => (
            <option key={g.id} value={g.id}>
              {g.name}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>
          {t("props.tags")} <span className="muted small">({t("props.tagsHint")})</span>
        </span>
        <input data-testid="tags-input" type="text" value={values.tags} onChange={(e) => set("tags", e.target.value)} />
      </label>
      <button type="submit" data-testid="update-ticket" className="btn btn-primary btn-block" disabled={busy}>
        {busy ? t("props.updating") : t("props.update")}
      </button>
    </form>
  );
}

// --- requester ------------------------------------------------------------------

interface RequesterProps {
  customer: Customer;
  current: number;
  now: number;
  /** After a contact was linked or a customer merged in: reload, then confirm with `done`. */
  onChanged: (done: string) => Promise<void>;
}

function RequesterPanel({ customer, current, now, onChanged }: RequesterProps) {
  const { t } = useI18n();
  const others = (customer?.tickets ?? []).filter((x) => x.number !== current);
  if (!customer) return null;
  return (
    <section className="panel" data-testid="requester">
      <h2 className="panel-title">{t("requester.title")}</h2>
      <div className="requester-name">
        <span className="avatar avatar-customer" aria-hidden="true">{initials(customer.name || "?")}</span>
        <strong>{customer.name}</strong>
        {customer.vip && <span className="badge badge-vip" data-testid="requester-vip">{t("requester.vip")}</span>}
      </div>
      {customer.organisation && <div className="muted small requester-org">{customer.organisation}</div>}
      {customer.identities?.length > 0 && (
        <>
          <h3 className="panel-subtitle">{t("requester.identities")}</h3>
          <ul className="identities">
            {customer.identities.map((i) => (
              <li key={`${i.kind}:${i.value}`}>
                <span className="identity-kind">{i.kind}</span> <span className="break">{i.value}</span>
              </li>
            ))}
          </ul>
        </>
      )}
      <h3 className="panel-subtitle">{t("requester.otherTickets")}</h3>
      {others.length === 0 ? (
        <p className="muted small">{t("requester.noOtherTickets")}</p>
      ) : (
        <ul className="other-tickets">
          {others.map((x) => (
            <li key={x.number}>
              <a href={ticketHref(x.number)}>
                #{x.number} {x.subject || t("list.noSubject")}
              </a>
              <div className="other-ticket-meta">
                <StatusBadge status={x.status} /> <span className="muted small"><RelativeTime iso={x.updated_at} now={now} /></span>
              </div>
            </li>
          ))}
        </ul>
      )}
      <div className="customer-actions">
        <CustomerTraits key={`${customer.id}:${customer.vip}:${customer.organisation}`} customer={customer} onSaved={onChanged} />
        <AddIdentity customer={customer} onAdded={() => onChanged(t("requester.contactAdded"))} />
        <MergeCustomer customer={customer} onMerged={onChanged} />
      </div>
    </section>
  );
}

// --- history --------------------------------------------------------------------

function describeData(data: Record<string, unknown> | null | undefined): string {
  if (!data || typeof data !== "object") return "";
  return Object.entries(data)
    .map(([k, v]) => `${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(" · ");
}

const FIELD_LABELS: Record<string, MessageKey> = {
  status: "props.status",
  priority: "props.priority",
  type: "props.type",
  assignee: "props.assignee",
  group: "props.group",
  tags: "props.tags",
};

/** A routing or SLA event as a sentence ("Priority → Urgent · matched 'bloccato'"); other events' data as it is. */
function describeEvent(ev: TicketEvent, agents: Agent[], t: Translate, label: I18n["label"], lang: Lang): string {
  const sla = slaEventLine(ev, t, lang);
  if (sla !== null) return sla;
  const line = routingLine(ev);
  if (!line) return describeData(ev.data);
  const parts: string[] = [];
  if (line.field) {
    const field = FIELD_LABELS[line.field] ? t(FIELD_LABELS[line.field]) : line.field;
    let value = line.value;
    if (value === null) value = t("history.none");
    else if (line.field === "assignee") value = agentName(agents, value) ?? value;
    else if (line.field === "priority" || line.field === "status" || line.field === "type") value = label(line.field, value);
    parts.push(t("history.routingSet", { field, value }));
  }
  if (line.detail) parts.push(line.detail);
  return parts.join(" · ");
}

/** Who did it, as an agent reads it: an agent's or the requester's name; the desk itself for "system"; "SLA" for its sweep. */
function actorName(actor: string, agents: Agent[], requester: Customer, t: Translate): string {
  if (actor === "system") return t("history.system");
  if (actor === "sla") return t("sla.title");
  if (actor === requester.id) return requester.name;
  return agentName(agents, actor) ?? actor;
}

function History({ events, now, requester }: { events: TicketEvent[]; now: number; requester: Customer }) {
  const { t, label, lang } = useI18n();
  const { agents } = useSession();
  const sorted = useMemo(() => sortByTime(events ?? []), [events]);
  return (
    <details className="history" data-testid="history">
      <summary>{t("history.title", { count: sorted.length })}</summary>
      {sorted.length === 0 ? (
        <p className="muted small">{t("history.empty")}</p>
      ) : (
        <ol>
          {sorted.map((ev) => (
            <li key={ev.id} data-kind={ev.kind}>
              <span className="history-time" title={dateTime(ev.created_at, lang)}>
                <RelativeTime iso={ev.created_at} now={now} />
              </span>
              <span className="history-actor">{actorName(ev.actor, agents, requester, t)}</span>
              <span className="history-kind">{label("event", ev.kind)}</span>
              <span className="history-data">{describeEvent(ev, agents, t, label, lang)}</span>
            </li>
          ))}
        </ol>
      )}
    </details>
  );
}
