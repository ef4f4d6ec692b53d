class AssetError(Exception):
    """A refused asset change; ``message`` is meant for the person who tried, ``field``
    names the field it is about (or None for the whole record)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotAllowedError(AssetError):
    pass
