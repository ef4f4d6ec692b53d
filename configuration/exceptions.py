class ConfigurationError(Exception):
    """A configuration change or recompute refused, with a message for the person."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message
