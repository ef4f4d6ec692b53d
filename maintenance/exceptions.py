class MaintenanceError(Exception):
    """A change to preventive maintenance that cannot be made, with the reason people are shown."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotAllowedError(MaintenanceError):
    """The person may not make this change (a 403)."""
