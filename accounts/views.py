from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from .services import user_language_set


@login_not_required
@require_POST
def language_set(request):
    """Switch the interface language (cookie, as Django does) and, for a signed-in user,
    remember it on the account so their notifications use it too."""
    response = set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        user_language_set(user=request.user, language=language)
    return response
