class KnowledgeError(Exception):
    """A change to the knowledge base that cannot be made, with the reason people are shown."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotAllowedError(KnowledgeError):
    """The person may not make this change (a 403)."""
