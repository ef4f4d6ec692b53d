"""Where django-axes keeps failed sign-ins (AXES_HANDLER): its database handler, so the
admin shows them and an administrator lifts a pause by deleting them."""

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt


class SignInAttempts(AxesDatabaseHandler):
    """django-axes' database handler, except that a successful sign-in clears the failures
    of that username only. Axes would also clear every failure from the address it came
    from, whatever username they were for: anyone with an account of their own could then
    guess other people's passwords without end, signing in to their own between guesses."""

    def reset_user_attempts(self, request, credentials=None) -> int:
        username = get_client_username(request, credentials)
        if not username:
            return 0
        count, _by_model = AccessAttempt.objects.filter(username=username).delete()
        return count
