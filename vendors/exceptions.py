class VendorError(Exception):
    """A refused vendor change; the message is shown to the person who tried it."""

    def __init__(self, message) -> None:
        super().__init__(message)
        self.message = message


class VendorNotAllowedError(VendorError):
    """The person may not make this change (role or level)."""
