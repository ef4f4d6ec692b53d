from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django.views.i18n import set_language

from .forms import ProfileForm
from .services import user_language_set, user_profile_update


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


@require_http_methods(["GET", "POST"])
def profile(request):
    """A person's own details: name, email, mobile number, language and time zone."""
    # The form works on its own copy: a rejected form leaves the signed-in user untouched.
    form = ProfileForm(request.POST or None, instance=get_user_model().objects.get(pk=request.user.pk))
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "accounts/profile.html", {"form": form}, status=400)
        user_profile_update(user=request.user, data=form.cleaned_data)
        translation.activate(request.user.language)
        messages.success(request, _("Your profile has been saved."))
        response = redirect("accounts:profile")
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, request.user.language)
        return response
    return render(request, "accounts/profile.html", {"form": form})
