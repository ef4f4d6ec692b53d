class ProblemError(Exception):
    """A refused change to a problem; the message is shown to the person who tried it."""

    def __init__(self, message, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ProblemForbidden(ProblemError):
    """The person may not do this at all (a 403, not a 409)."""
