from ..models import NotificationPreference

PREFERENCE_FIELDS = ("email_kinds", "sms_kinds", "sms_max_priority", "quiet_start", "quiet_end", "essential_email_only")


def notification_preference_get(*, user) -> NotificationPreference:
    """The person's preferences: their saved row, else the defaults (not saved)."""
    return NotificationPreference.objects.filter(user=user).first() or NotificationPreference(user=user)


def notification_preference_set(*, user, data: dict) -> NotificationPreference:
    """Save the fields given (already validated by the form); the others keep their value."""
    preference = notification_preference_get(user=user)
    for field in PREFERENCE_FIELDS:
        if field in data:
            setattr(preference, field, data[field])
    preference.save()
    return preference
