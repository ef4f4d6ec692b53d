class TicketError(Exception):
    """A refused ticket change; the message is shown to the person who tried it."""

    def __init__(self, message) -> None:
        super().__init__(message)
        self.message = message


class TransitionError(TicketError):
    """The move is not allowed from the ticket's current state."""


class NotAllowedError(TicketError):
    """The person may not make this change (role or level)."""
