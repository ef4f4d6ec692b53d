class BaseSmsBackend:
    """Base class for SMS backends, shaped like Django's email backends: subclasses
    implement ``send_messages``; ``open`` and ``close`` hold whatever connection a batch of
    messages can share (nothing, here)."""

    def __init__(self, fail_silently: bool = False, **kwargs) -> None:
        self.fail_silently = fail_silently

    def open(self) -> None:
        """Make the connection messages will share (a no-op where there is none)."""

    def close(self) -> None:
        """Let go of the connection ``open`` made."""

    def __enter__(self):
        self.open()
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def send_messages(self, messages) -> list[str]:
        raise NotImplementedError("SMS backends must implement send_messages()")
