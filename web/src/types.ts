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
}

export interface Me extends Agent {
  groups: string[];
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
