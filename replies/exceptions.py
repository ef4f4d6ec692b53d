class CannedReplyError(Exception):
    """A canned reply change refused; the message is shown to the person who tried."""

    def __init__(self, message) -> None:
        super().__init__(message)
        self.message = message
