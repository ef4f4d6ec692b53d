class ProcurementError(Exception):
    """A procurement step refused; the message says why, in words for the person."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ProcurementForbidden(ProcurementError):
    """The person may not take this step at all (a 403, not a 409)."""
