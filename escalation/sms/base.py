class BaseSmsBackend:
    """Base class for SMS backends: subclasses implement ``send_messages``."""

    def __init__(self, fail_silently: bool = False, **kwargs) -> None:
        self.fail_silently = fail_silently

    def send_messages(self, messages) -> list[str]:
        raise NotImplementedError("SMS backends must implement send_messages()")
