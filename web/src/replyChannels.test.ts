import { describe, expect, it } from "vitest";
import { replyChannels } from "./ticketForm";
import type { Customer, Ticket } from "./types";

const ticket = { channel: "telegram" } as Ticket;
const customer = (identities: { kind: string; value: string }[]): Customer =>
  ({ id: "c1", name: "Luca", identities, tickets: [], created_at: "" }) as Customer;

describe("replyChannels", () => {
  it("offers the ticket's channel first, then the customer's other channels once each", () => {
    const channels = replyChannels(
      ticket,
      customer([
        { kind: "telegram", value: "42" },
        { kind: "email", value: "luca@example.org" },
        { kind: "phone", value: "+39333" },
      ]),
    );
    expect(channels).toEqual(["telegram", "email", "sms", "whatsapp"]);
  });

  it("offers only the ticket's channel when nothing else is known", () => {
    expect(replyChannels(ticket, customer([{ kind: "chat", value: "v1" }]))).toEqual(["telegram"]);
  });
});
