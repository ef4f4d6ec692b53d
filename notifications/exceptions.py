class NotificationError(Exception):
    """A notification could not be delivered this time."""
