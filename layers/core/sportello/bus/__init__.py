"""The ticket events' message bus: each event goes to the subscribers of its kind, once per subscriber."""

from .consumer import TicketEventConsumer
from .dispatcher import Dispatcher, DispatchFailedError, ProcessedEvents, Subscriber

__all__ = ["DispatchFailedError", "Dispatcher", "ProcessedEvents", "Subscriber", "TicketEventConsumer"]
