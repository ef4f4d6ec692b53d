import base64

import segno
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, logout, user_login_failed
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import LoginView
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST
from django.views.i18n import set_language
from django_otp import login as otp_login
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from .forms import ApiTokenForm, OneTimeCodeForm, ProfileForm, SignInForm, TotpConfirmForm, TwoFactorDisableForm
from .oidc import ProviderUnavailable, oidc_enabled, oidc_setting, refusal_message
from .selectors import (
    api_tokens_for,
    backup_codes_left,
    client_address,
    two_factor_enabled,
    two_factor_required,
    two_factor_step,
)
from .services import (
    api_token_create,
    api_token_revoke,
    backup_codes_regenerate,
    password_reset_request_admit,
    totp_device_begin,
    totp_device_confirm,
    two_factor_code_check,
    two_factor_disable,
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
    context.update(_two_factor_context(request.user))
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
            **_two_factor_context(request.user),
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
        **_two_factor_context(request.user),
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
        user = form.get_user()
        _language_from_browser(self.request, user)
        # The password was right; a person with a second factor gives its code next, and one
        # whose role needs one sets it up first (TwoFactorMiddleware holds them there).
        step = two_factor_step(user)
        if step is not None:
            return redirect(_two_factor_url(step, self.get_success_url()))
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


# --- two-factor sign-in


def _two_factor_url(step: str, next_url: str) -> str:
    return reverse(f"accounts:two-factor-{step}") + "?" + urlencode({"next": next_url})


def _next_url(request) -> str:
    """Where the person was going (a page of this site only), or the home page."""
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    # A path of this site: anything else (a bare word would be taken for a view's name) goes home.
    if next_url.startswith("/") and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return next_url
    return reverse(settings.LOGIN_REDIRECT_URL)


def _two_factor_context(user) -> dict:
    enabled = two_factor_enabled(user)
    return {
        "two_factor_enabled": enabled,
        "two_factor_required": two_factor_required(user),
        "backup_codes_left": backup_codes_left(user=user) if enabled else 0,
        "disable_form": TwoFactorDisableForm() if enabled else None,
    }


def _wait_message(seconds: int) -> str:
    return ngettext(
        "Too many wrong codes. Wait %(seconds)d second, then try again.",
        "Too many wrong codes. Wait %(seconds)d seconds, then try again.",
        seconds,
    ) % {"seconds": seconds}


def _no_store(response):
    # Pages with a secret, or backup codes, must not stay in a cache or the browser's history.
    response["Cache-Control"] = "no-store"
    return response


def _qr_code_data_uri(config_url: str) -> str:
    """The app's set-up link as a QR code, an SVG image in a data: URI (img-src allows data:),
    drawn on the server: no script, and the secret never leaves the page."""
    return segno.make(config_url, error="m").svg_data_uri(scale=5, border=2, dark="#000", light="#fff")


def _signin_credentials(user) -> dict:
    return {"username": user.get_username()}


@require_http_methods(["GET", "POST"])
def two_factor_verify(request):
    """The second step of signing in: a code from the person's authenticator app, or one of
    their backup codes. A wrong code is counted as a failed sign-in (django-axes: enough of
    them pause the username and the address, and end this half-signed-in session); the
    device also makes the next try wait 1, 2, 4 … seconds."""
    next_url = _next_url(request)
    if two_factor_step(request.user) != "verify":
        return redirect(next_url)
    credentials = _signin_credentials(request.user)
    form = OneTimeCodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if AxesProxyHandler.is_locked(request, credentials):
            logout(request)
            return signin_locked_out(request)
        if form.is_valid():
            check = two_factor_code_check(user=request.user, code=form.cleaned_data["code"])
            if check.accepted:
                # A new session key for the now whole sign-in, as Django gives one at login.
                request.session.cycle_key()
                otp_login(request, check.device)
                AxesProxyHandler.get_implementation().reset_user_attempts(request, credentials)
                return redirect(next_url)
            if check.wait_seconds:
                form.add_error("code", _wait_message(check.wait_seconds))
            else:
                form.add_error(
                    "code", _("That code is not right, or it was already used. Try the code your app shows now.")
                )
                user_login_failed.send(sender=__name__, credentials=credentials, request=request)
                if getattr(request, "axes_locked_out", False):
                    # Paused: this half-signed-in session ends; the password step is refused too.
                    logout(request)
                    return signin_locked_out(request)
        status = 400
    context = {"form": form, "next": next_url}
    return render(request, "accounts/two_factor_verify.html", context, status=status)


@require_http_methods(["GET", "POST"])
def two_factor_setup(request):
    """Turning on two-factor sign-in: a QR code and the secret for the person's authenticator
    app, then a current code from it to prove it works; the backup codes are shown once."""
    if two_factor_enabled(request.user):
        if two_factor_step(request.user) == "verify":
            return redirect(_two_factor_url("verify", _next_url(request)))
        messages.info(request, _("Two-factor sign-in is already on."))
        return redirect("accounts:profile")
    device = totp_device_begin(user=request.user)
    form = TotpConfirmForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            check, codes = totp_device_confirm(user=request.user, code=form.cleaned_data["code"])
            if check.accepted:
                otp_login(request, check.device)
                messages.success(request, _("Two-factor sign-in is on. Keep your backup codes somewhere safe."))
                context = {"codes": codes, "next": _next_url(request)}
                return _no_store(render(request, "accounts/backup_codes.html", context))
            if check.wait_seconds:
                form.add_error("code", _wait_message(check.wait_seconds))
            else:
                form.add_error(
                    "code", _("That code is not right. Check the time on your phone, and type the code it shows now.")
                )
        status = 400
    secret = base64.b32encode(device.bin_key).decode()
    context = {
        "form": form,
        "qr_code": _qr_code_data_uri(device.config_url),
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "required": two_factor_required(request.user),
        "next": _next_url(request),
    }
    return _no_store(render(request, "accounts/two_factor_setup.html", context, status=status))


@require_POST
def two_factor_disable_view(request):
    """Turning two-factor sign-in off, confirmed with a current code or the password. A
    person whose role needs it is taken straight to setting up a new app."""
    if not two_factor_enabled(request.user):
        messages.info(request, _("Two-factor sign-in is not on."))
        return redirect("accounts:profile")
    form = TwoFactorDisableForm(request.POST)
    confirmed = False
    if form.is_valid():
        code, password = form.cleaned_data["code"], form.cleaned_data["password"]
        if code:
            check = two_factor_code_check(user=request.user, code=code)
            confirmed = check.accepted
            if check.wait_seconds:
                form.add_error("code", _wait_message(check.wait_seconds))
            elif not confirmed:
                form.add_error("code", _("That code is not right, or it was already used."))
        elif request.user.check_password(password):
            confirmed = True
        else:
            form.add_error("password", _("That is not your password."))
    if not confirmed:
        context = {
            "form": ProfileForm(instance=request.user),
            "token_form": ApiTokenForm(),
            "tokens": api_tokens_for(user=request.user),
            **_two_factor_context(request.user),
            "disable_form": form,
        }
        return render(request, "accounts/profile.html", context, status=400)
    two_factor_disable(user=request.user)
    if two_factor_required(request.user):
        messages.warning(request, _("Two-factor sign-in is off. Your role needs it: set up your app again."))
        return redirect("accounts:two-factor-setup")
    messages.success(request, _("Two-factor sign-in is off: your password alone signs you in."))
    return redirect("accounts:profile")


@require_POST
def backup_codes_new(request):
    """A new set of backup codes, shown once; the old ones stop working."""
    if not two_factor_enabled(request.user):
        messages.info(request, _("Two-factor sign-in is not on."))
        return redirect("accounts:profile")
    codes = backup_codes_regenerate(user=request.user)
    messages.success(request, _("New backup codes: the old ones no longer work."))
    return _no_store(
        render(request, "accounts/backup_codes.html", {"codes": codes, "next": reverse("accounts:profile")})
    )
