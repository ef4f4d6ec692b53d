"""Password hooks: Django tells every configured password validator of a new password once
it is saved (``password_validation.password_changed``), whichever way it was set."""

from django.conf import settings
from django.utils.translation import gettext as _

from .services import api_tokens_revoke_all


class NewPasswordRevokesApiTokens:
    """A new password revokes the person's API tokens (unless
    HELPDESK_PASSWORD_CHANGE_REVOKES_TOKENS is off): someone who changes or resets a
    password because it leaked, or an administrator who sets one, shuts out whatever held
    a token made with it. It is Django's one hook for every path a password takes (the
    change and reset pages, the admin, ``manage.py changepassword``); it judges no password."""

    def validate(self, password: str, user=None) -> None:
        return None

    def password_changed(self, password: str, user=None) -> None:
        if user is not None and user.pk is not None and settings.HELPDESK_PASSWORD_CHANGE_REVOKES_TOKENS:
            api_tokens_revoke_all(user_id=user.pk)

    def get_help_text(self) -> str:
        # Shown with the other rules wherever a new password is chosen.
        if settings.HELPDESK_PASSWORD_CHANGE_REVOKES_TOKENS:
            return _("A new password revokes your API tokens: programs that use them need new ones.")
        return _("Your API tokens keep working with a new password.")
