class NotificationError(Exception):
    """A notification could not be delivered this time."""


class UnsubscribeLinkError(Exception):
    """An unsubscribe link that cannot be used; ``message`` says why, for the person."""

    def __init__(self, message) -> None:
        super().__init__(message)
        self.message = message
