"""Where django-axes keeps failed sign-ins (AXES_HANDLER): its database handler, so the
admin shows them and an administrator lifts a pause by deleting them."""

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt

from .selectors import two_factor_step


class SignInAttempts(AxesDatabaseHandler):
    """django-axes' database handler, except that a successful sign-in clears the failures
    of that username only. Axes would also clear every failure from the address it came
    from, whatever username they were for: anyone with an account of their own could then
    guess other people's passwords without end, signing in to their own between guesses.

    For a person with a second factor the right password is half a sign-in: their failures
    (wrong codes among them) are cleared once the code is given, not before, or anyone who
    knew the password could guess codes without end, giving it again between guesses."""

    def reset_user_attempts(self, request, credentials=None) -> int:
        username = get_client_username(request, credentials)
        if not username:
            return 0
        user = getattr(request, "user", None)
        if user is not None and user.get_username() == username and two_factor_step(user) == "verify":
            return 0
        count, _by_model = AccessAttempt.objects.filter(username=username).delete()
        return count
