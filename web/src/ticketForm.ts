// The ticket properties form: its values and the PATCH body built from edits.
import { parseTags } from "./format";
import type { Channel, Customer, Priority, Status, Ticket, TicketPatch, TicketType } from "./types";

export interface FormValues {
  status: string;
  priority: string;
  type: string;
  assignee: string;
  group: string;
  tags: string;
}

export function valuesOf(tk: Ticket): FormValues {
  return {
    status: tk.status,
    priority: tk.priority,
    type: tk.type ?? "",
    assignee: tk.assignee ?? "",
    group: tk.group ?? "",
    tags: tk.tags.join(", "),
  };
}

/** The PATCH body fields whose edited value differs from the ticket. */
export function buildPatch(tk: Ticket, edits: Partial<FormValues>): TicketPatch {
  const patch: TicketPatch = {};
  if (edits.status !== undefined && edits.status !== tk.status) patch.status = edits.status as Status;
  if (edits.priority !== undefined && edits.priority !== tk.priority) patch.priority = edits.priority as Priority;
  if (edits.type !== undefined && (edits.type || null) !== tk.type) patch.type = (edits.type || null) as TicketType | null;
  if (edits.assignee !== undefined && (edits.assignee || null) !== tk.assignee) patch.assignee = edits.assignee || null;
  if (edits.group !== undefined && (edits.group || null) !== tk.group) patch.group = edits.group || null;
  if (edits.tags !== undefined) {
    const tags = parseTags(edits.tags);
    if (tags.join("\n") !== tk.tags.join("\n")) patch.tags = tags;
  }
  return patch;
}

// The channels a reply can take to reach the customer, from the identities we know them by.
const CHANNELS_BY_IDENTITY: Record<string, Channel[]> = {
  email: ["email"],
  phone: ["sms", "whatsapp"],
  telegram: ["telegram"],
  messenger: ["messenger"],
  instagram: ["instagram"],
};

export function replyChannels(ticket: Ticket, requester: Customer): Channel[] {
  const others = requester.identities.flatMap((identity) => CHANNELS_BY_IDENTITY[identity.kind] ?? []);
  return [ticket.channel, ...others.filter((channel, index) => channel !== ticket.channel && others.indexOf(channel) === index)];
}
