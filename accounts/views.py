from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import LoginView
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django.views.i18n import set_language
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from .forms import ApiTokenForm, ProfileForm, SignInForm
from .oidc import ProviderUnavailable, oidc_enabled, oidc_setting, refusal_message
from .selectors import api_tokens_for, client_address
from .services import (
    api_token_create,
    api_token_revoke,
    password_reset_request_admit,
    user_language_set,
    user_profile_update,
)


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
    context = {"form": form, "token_form": ApiTokenForm(), "tokens": api_tokens_for(user=request.user)}
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "accounts/profile.html", context, status=400)
        user_profile_update(user=request.user, data=form.cleaned_data)
        language = request.user.language or translation.get_language_from_request(request)
        translation.activate(language)
        messages.success(request, _("Your profile has been saved."))
        response = redirect("accounts:profile")
        if request.user.language:
            response.set_cookie(settings.LANGUAGE_COOKIE_NAME, request.user.language)
        else:
            response.delete_cookie(settings.LANGUAGE_COOKIE_NAME)
        return response
    return render(request, "accounts/profile.html", context)


@require_POST
def token_create(request):
    """A new API token; its key is shown on the next page, once."""
    form = ApiTokenForm(request.POST)
    if not form.is_valid():
        context = {
            "form": ProfileForm(instance=request.user),
            "token_form": form,
            "tokens": api_tokens_for(user=request.user),
        }
        return render(request, "accounts/profile.html", context, status=400)
    token, key = api_token_create(user=request.user, name=form.cleaned_data["name"])
    messages.success(
        request, _("Token “%(name)s” created. Copy its key now: it will not be shown again.") % {"name": token.name}
    )
    context = {
        "form": ProfileForm(instance=request.user),
        "token_form": ApiTokenForm(),
        "tokens": api_tokens_for(user=request.user),
        "new_key": key,
    }
    response = render(request, "accounts/profile.html", context)
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def token_revoke(request, pk: int):
    if api_token_revoke(user=request.user, token_id=pk):
        messages.success(request, _("The token was revoked; programs using it are refused from now on."))
    else:
        messages.error(request, _("There is no such active token of yours."))
    return redirect("accounts:profile")


class SignInView(LoginView):
    """Django's sign-in; someone who never chose a language keeps the one their browser
    asked for (the sign-in page was shown in it), for pages and notifications alike."""

    form_class = SignInForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["oidc_label"] = settings.HELPDESK_OIDC_LABEL if oidc_enabled() else ""
        return context

    def form_valid(self, form):
        response = super().form_valid(form)
        _language_from_browser(self.request, form.get_user())
        return response


def _language_from_browser(request, user) -> None:
    if not user.language and getattr(request, "LANGUAGE_CODE", "") in dict(settings.LANGUAGES):
        user_language_set(user=user, language=request.LANGUAGE_CODE)


class OidcSignInStartView(OIDCAuthenticationRequestView):
    """Sends the visitor to the OpenID Connect provider to sign in, with this sign-in's
    state and nonce kept in their session (the library's); 404 while it is not configured."""

    get_settings = staticmethod(oidc_setting)

    def __init__(self, *args, **kwargs):
        # The provider's endpoints are looked up when someone asks to sign in, not before.
        super(OIDCAuthenticationRequestView, self).__init__(*args, **kwargs)

    def get(self, request):
        if not oidc_enabled():
            raise Http404
        try:
            self.OIDC_OP_AUTH_ENDPOINT = oidc_setting("OIDC_OP_AUTHORIZATION_ENDPOINT")
        except ProviderUnavailable:
            messages.error(
                request,
                _("%(provider)s cannot be reached just now. Please try again later, or sign in with your password.")
                % {"provider": settings.HELPDESK_OIDC_LABEL},
            )
            return redirect(settings.LOGIN_URL)
        self.OIDC_RP_CLIENT_ID = settings.HELPDESK_OIDC_CLIENT_ID
        return super().get(request)


class OidcCallbackView(OIDCAuthenticationCallbackView):
    """Where the provider sends the person back. Signed in, they go where they were going;
    otherwise (cancelled, refused, a state that is not this session's, a token that does
    not verify) back to the sign-in page, told why."""

    get_settings = staticmethod(oidc_setting)

    def get(self, request):
        if not oidc_enabled():
            raise Http404
        try:
            return super().get(request)
        except SuspiciousOperation:
            return self.login_failure()

    def login_success(self):
        response = super().login_success()
        _language_from_browser(self.request, self.user)
        return response

    def login_failure(self):
        if self.request.GET.get("error") == "access_denied":
            message = _("Signing in with %(provider)s was cancelled.") % {"provider": settings.HELPDESK_OIDC_LABEL}
        else:
            message = refusal_message(self.request)
        messages.error(self.request, message)
        return redirect(settings.LOGIN_URL)


def signin_locked_out(request, original_response=None, credentials=None):
    """The page django-axes answers with (429) once an account or an address has failed to
    sign in too often (AXES_LOCKOUT_CALLABLE): what happened, how long it lasts, who can lift it."""
    cool_off = settings.AXES_COOLOFF_TIME
    minutes = max(1, -(-int(cool_off.total_seconds()) // 60))
    response = render(request, "registration/locked_out.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = str(int(cool_off.total_seconds()))
    return response


class PasswordResetView(auth_views.PasswordResetView):
    """Django's page that mails a reset link, at most HELPDESK_PASSWORD_RESET_EMAIL_LIMIT
    times an hour to one address and HELPDESK_PASSWORD_RESET_CLIENT_LIMIT times from one
    client. Over either the answer is the same as ever ("if an account has it, a link is
    on its way"), but no mail goes: nobody can flood a mailbox, nor learn which addresses
    have an account."""

    def form_valid(self, form):
        if password_reset_request_admit(email=form.cleaned_data["email"], address=client_address(self.request)):
            return super().form_valid(form)
        return HttpResponseRedirect(self.get_success_url())
