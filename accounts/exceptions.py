class SignInRefused(Exception):
    """A sign-in through the identity provider that the helpdesk turns down; its message,
    translated, tells the person why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class LevelMembershipError(Exception):
    """A change to who works a support level refused, with a message for the person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
