from django.contrib.auth.decorators import login_not_required
from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("login/code/", views.two_factor_verify, name="two-factor-verify"),
    path("oidc/authenticate/", login_not_required(views.OidcSignInStartView.as_view()), name="oidc-authenticate"),
    path("oidc/callback/", login_not_required(views.OidcCallbackView.as_view()), name="oidc-callback"),
    path("profile/", views.profile, name="profile"),
    path("profile/tokens/", views.token_create, name="token-create"),
    path("profile/tokens/<int:pk>/revoke/", views.token_revoke, name="token-revoke"),
    path("profile/two-factor/", views.two_factor_setup, name="two-factor-setup"),
    path("profile/two-factor/off/", views.two_factor_disable_view, name="two-factor-disable"),
    path("profile/two-factor/backup-codes/", views.backup_codes_new, name="two-factor-backup-codes"),
]
