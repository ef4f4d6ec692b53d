class SlaConfigurationError(Exception):
    """A change to a policy, calendar or holiday refused, with a message for the person."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message
