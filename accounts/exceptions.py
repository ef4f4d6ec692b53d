class SignInRefused(Exception):
    """A sign-in through the identity provider that the helpdesk turns down; its message,
    translated, tells the person why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
