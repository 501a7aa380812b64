// Shapes of the Sportello agent API (see the API section of the web brief).

export const STATUSES = ["new", "open", "pending", "on-hold", "solved", "closed"] as const;
export type Status = (typeof STATUSES)[number];

export const PRIORITIES = ["low", "normal", "high", "urgent"] as const;
export type Priority = (typeof PRIORITIES)[number];

export const TICKET_TYPES = ["question", "incident", "problem", "task"] as const;
export type TicketType = (typeof TICKET_TYPES)[number];

export const CHANNELS = [
  "email",
  "whatsapp",
  "messenger",
  "instagram",
  "telegram",
  "slack",
  "sms",
  "voice",
  "web",
  "chat",
] as const;
export type Channel = (typeof CHANNELS)[number];

export interface Agent {
  id: string;
  email: string;
  name: string;
  role?: string;
  /** Assignment's view of the agent, when the server reports it. */
  capacity?: number;
  languages?: string[];
  skills?: string[];
}

export const AGENT_STATUSES = ["online", "away", "offline"] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];

export interface Me extends Agent {
  groups: string[];
  /** "admin" may manage the desk's settings (the Admin section). */
  role?: string;
  /** Presence for assignment (absent until the server reports it: offline). */
  status?: AgentStatus;
  capacity?: number;
}

/** What assignment knows of an agent beside who they are (PUT /api/agents/{id}/profile). */
export interface AgentProfile {
  capacity: number;
  languages: string[];
  skills: string[];
}

export interface Group {
  id: string;
  name: string;
}

export interface RequesterRef {
  id: string;
  name: string;
  email: string | null;
}

export interface Ticket {
  number: number;
  subject: string;
  status: Status;
  priority: Priority;
  type: TicketType | null;
  tags: string[];
  group: string | null;
  assignee: string | null;
  channel: Channel;
  requester: RequesterRef;
  language: string;
  created_at: string;
  updated_at: string;
  first_reply_at: string | null;
  solved_at: string | null;
  custom_fields: Record<string, unknown>;
  version: number;
  /** The most urgent unmet SLA target (lists only; absent from servers without SLAs). */
  sla?: SlaBadge | null;
}

export interface Attachment {
  id: string;
  filename: string;
  content_type: string;
  size: number;
  url: string;
}

export type AuthorType = "customer" | "agent" | "system";

export interface Message {
  id: string;
  author_type: AuthorType;
  author_id: string | null;
  author_name: string;
  public: boolean;
  channel: string;
  text: string;
  html: string | null;
  full_text: string;
  attachments: Attachment[];
  /** Attachments the sender sent beyond what a message keeps: counted, not stored. */
  omitted_attachments: number;
  /** Links to bodies too large to store inline (text, full_text, html): the fields above hold their start. */
  full_bodies: Record<string, string>;
  created_at: string;
  delivery_status: string | null;
}

/** The ticket event kinds the API reports (`sportello/tickets/events.py` EventKind). */
export const EVENT_KINDS = [
  "ticket_created",
  "follow_up_created",
  "ticket_linked",
  "message_added",
  "status_changed",
  "field_changed",
  "requester_merged",
  "acknowledgement_sent",
  "delivery_changed",
  "delivery_failed",
  "delivery_reported",
  "message_edited",
  "message_deleted",
  "reaction",
  "call_updated",
  "routing_decided",
  "trigger_fired",
  "routing_failed",
  "sla_alerted",
  "sla_escalated",
] as const;

export interface TicketEvent {
  id: string;
  kind: string;
  actor: string;
  data: Record<string, unknown>;
  created_at: string;
}

/** Identity kinds an agent may link to a customer (the API also knows "chat", set by the widget). */
export const IDENTITY_KINDS = ["email", "phone", "telegram", "messenger", "instagram", "slack"] as const;
export type IdentityKind = (typeof IDENTITY_KINDS)[number];

export interface Identity {
  kind: string;
  value: string;
}

export interface CustomerTicketRef {
  number: number;
  subject: string;
  status: Status;
  channel: Channel;
  updated_at: string;
}

export interface Customer {
  id: string;
  name: string;
  vip?: boolean;
  organisation?: string | null;
  identities: Identity[];
  tickets: CustomerTicketRef[];
  created_at: string;
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export interface TicketDetail {
  ticket: Ticket;
  messages: Message[];
  events: TicketEvent[];
  requester: Customer;
  /** The ticket's SLA clocks; null when no policy applies (absent from servers without SLAs). */
  sla?: SlaView | null;
}

export interface QuarantineItem {
  id: string;
  received_at: string;
  reason: string;
  sender: string;
  subject: string;
  raw_key: string;
}

/** Fields an agent may change with PATCH /api/tickets/{number}. */
export interface TicketPatch {
  status?: Status;
  priority?: Priority;
  type?: TicketType | null;
  tags?: string[];
  group?: string | null;
  assignee?: string | null;
}

export interface TicketQuery {
  view?: "unassigned" | "mine" | "all";
  status?: Status;
  group?: string;
  assignee?: string;
  cursor?: string | null;
  limit?: number;
}

// --- admin: the desk's routing settings ------------------------------------------------------

export const RULE_KINDS = ["trigger", "automation"] as const;
export type RuleKind = (typeof RULE_KINDS)[number];

export interface Condition {
  field: string;
  op: string;
  value?: unknown;
}

export interface RuleAction {
  kind: string;
  value?: unknown;
  templates?: Record<string, string>;
  subject?: string;
}

export interface Rule {
  id: string;
  name: string;
  kind: RuleKind;
  enabled: boolean;
  position: number;
  builtin: boolean;
  events?: string[];
  conditions: { all: Condition[]; any: Condition[] };
  actions: RuleAction[];
}

/** The rule language as the server describes it (GET /api/admin/fields). */
export interface FieldInfo {
  name: string;
  /** text | choice | tags | flag | number */
  type: string;
  choices: string[];
  kinds: string[];
}

export interface ActionInfo {
  kind: string;
  /** choice | tags | group | agent | templates | templates_subject | none */
  value: string;
  choices: string[];
  kinds: string[];
}

export interface RuleLanguage {
  fields: FieldInfo[];
  /** Per value type: operator → the shape of its value (text, words, choice, choices, tag, tags, flag, number, none). */
  operators: Record<string, Record<string, string>>;
  actions: ActionInfo[];
  placeholders: string[];
  events: string[];
  strategies: string[];
  weekdays: string[];
}

export interface GroupSettings {
  id: string;
  name: string;
  strategy: string;
  members: string[];
  description: string;
}

export interface ClassificationSettings {
  urgent_words: Record<string, string[]>;
  high_words: Record<string, string[]>;
  vip_priority: Priority;
  default_group: string | null;
  [other: string]: unknown;
}

export interface HolidaySource {
  country: string | null; // null: no public holidays
  region: string | null;
}

export interface CalendarSettings {
  timezone: string;
  hours: Record<string, [string, string][]>;
  closed_days: string[];
  holidays?: HolidaySource; // absent from servers older than public holidays (Italy's then)
}

export interface PublicHolidays {
  year: number;
  holidays: { date: string; name: string }[];
}

// --- SLA: targets on the ticket, the policies that set them ---------------------------------

export const SLA_TARGETS = ["first_reply", "next_reply", "resolution"] as const;
export type SlaTargetName = (typeof SLA_TARGETS)[number];

export const SLA_STATES = ["running", "paused", "met", "breached"] as const;
export type SlaState = (typeof SLA_STATES)[number];

/**
 * Set by the client, never sent by the API: Date.now() when the answer arrived, the instant the
 * answer's `left_seconds` were true (the countdowns tick down from there).
 */
interface Received {
  received_at?: number;
}

/** One clock of a ticket's SLA (GET /api/tickets/{n} → sla.targets). */
export interface SlaTargetView {
  target: SlaTargetName;
  state: SlaState;
  /** next_reply runs again after each agent reply: 1, 2, … */
  cycle: number;
  business: boolean;
  target_seconds: number;
  started_at: string;
  /** null while paused */
  due_at: string | null;
  warn_at: string | null;
  met_at: string | null;
  /** Business (or calendar) time left when the server answered; negative = overdue; null when met. */
  left_seconds: number | null;
}

export interface SlaView extends Received {
  policy: { id: string; name: string };
  targets: SlaTargetView[];
}

/** The most urgent unmet target of a listed ticket. */
export interface SlaBadge extends Received {
  target: SlaTargetName;
  state: SlaState;
  due_at: string | null;
  warn_at: string | null;
  left_seconds: number | null;
  business: boolean;
}

export const SLA_TIERS = ["vip", "standard"] as const;
export type SlaTier = (typeof SLA_TIERS)[number];

export interface SlaTargetSetting {
  minutes: number;
  business: boolean;
}

/** An SLA policy (GET/PUT /api/admin/sla): the first enabled one whose conditions match applies. */
export interface SlaPolicy {
  /** A slug; the server makes one from the name for a new policy. */
  id?: string;
  name: string;
  enabled: boolean;
  /** Each list empty or absent = any. */
  conditions: { channels?: string[]; groups?: string[]; tiers?: string[] };
  targets: Partial<Record<Priority, Partial<Record<SlaTargetName, SlaTargetSetting>>>>;
  /** 1..99: the share of a target's time after which it warns. */
  warning_percent: number;
  /** Rule actions, as the triggers take them, run when a target is breached. */
  escalation: RuleAction[];
}

/**
 * A policy as PUT /api/admin/sla takes it from the form: minutes that are not a number go as typed,
 * for the server to name them.
 */
export type SlaPolicyInput = Omit<SlaPolicy, "targets" | "warning_percent" | "escalation"> & {
  targets: Partial<Record<Priority, Partial<Record<SlaTargetName, { minutes: number | string; business: boolean }>>>>;
  warning_percent: number | string;
  escalation: (RuleAction | Record<string, unknown>)[];
};
