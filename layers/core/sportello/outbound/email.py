"""The email channel's outbound side: acknowledgements and agent replies, threaded."""

from __future__ import annotations

from collections.abc import Callable

from ..clock import utc_now
from ..email.addresses import UnanswerableAddressError, sendable_address
from ..email.compose import MailHeaders, build_mail, new_message_id, tagged_subject
from ..email.templates import ACKNOWLEDGEMENT_BODY, ACKNOWLEDGEMENT_SUBJECT, localised
from ..email.tokens import ReplyTokens
from ..errors import InvalidRequestError
from ..ports import MailTransport, OutboundMail
from ..tickets.model import AuthorType, Message, Ticket
from ..tickets.ports import Delivery

# Records one of our Message-IDs against a ticket (TicketService.remember_outbound_ref).
RememberRef = Callable[[str, int], None]


class EmailOutbound:
    sends_at_once = True

    def __init__(
        self,
        transport: MailTransport,
        remember_ref: RememberRef,
        tokens: ReplyTokens,
        desk_name: str,
        support_address: str,
        mail_domain: str,
    ) -> None:
        self._transport = transport
        self._remember_ref = remember_ref
        self._tokens = tokens
        self._desk_name = desk_name
        self._support_address = support_address
        self._mail_domain = mail_domain

    def _headers(self, ticket: Ticket, subject: str, thread: list[Message], automatic: bool) -> MailHeaders:
        if not ticket.requester.email:
            raise InvalidRequestError(f"ticket #{ticket.number}'s requester has no email address")
        references = tuple(m.external_id for m in thread if m.external_id)
        last_from_customer = next(
            (
                m.external_id
                for m in reversed(thread)
                if m.author_type is AuthorType.CUSTOMER and m.external_id
            ),
            None,
        )
        return MailHeaders(
            sender_name=self._desk_name,
            sender_address=self._support_address,
            reply_to=self._tokens.address(ticket.number),
            recipient_name=ticket.requester.name,
            recipient_address=sendable_address(ticket.requester.email),
            subject=subject,
            message_id=new_message_id(self._mail_domain),
            date=utc_now(),
            language=ticket.language,
            in_reply_to=last_from_customer or (references[-1] if references else None),
            references=references,
            automatic=automatic,
        )

    def _send(self, headers: MailHeaders, text: str, ticket: Ticket) -> Delivery:
        mail = build_mail(headers, text)
        # Remember our Message-ID first: a customer's reply may arrive before send() returns.
        self._remember_ref(headers.message_id, ticket.number)
        delivered_as = self._transport.send(
            OutboundMail(self._support_address, (headers.recipient_address,), mail.as_bytes())
        )
        for message_id in delivered_as:
            if message_id != headers.message_id:
                self._remember_ref(message_id, ticket.number)
        return Delivery(external_id=headers.message_id, status="sent")

    def send_reply(self, ticket: Ticket, message: Message, thread: list[Message]) -> Delivery:
        headers = self._headers(
            ticket, tagged_subject(ticket.number, ticket.subject, reply=True), thread, False
        )
        return self._send(headers, message.text, ticket)

    def send_acknowledgement(self, ticket: Ticket, first_message: Message) -> Delivery | None:
        if not ticket.requester.email or not _answerable(ticket.requester.email):
            return None  # the ticket stands; an acknowledgement that cannot leave must not undo it
        values = {
            "name": ticket.requester.name,
            "number": ticket.number,
            "subject": ticket.subject,
            "desk": self._desk_name,
        }
        subject = localised(ACKNOWLEDGEMENT_SUBJECT, ticket.language).substitute(values)
        body = localised(ACKNOWLEDGEMENT_BODY, ticket.language).substitute(values)
        headers = self._headers(ticket, tagged_subject(ticket.number, subject), [first_message], True)
        return self._send(headers, body, ticket)


def _answerable(address: str) -> bool:
    try:
        sendable_address(address)
    except UnanswerableAddressError:
        return False
    return True
