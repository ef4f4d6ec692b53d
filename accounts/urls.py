from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("login/code/", views.two_factor_verify, name="two-factor-verify"),
    path("profile/", views.profile, name="profile"),
    path("profile/tokens/", views.token_create, name="token-create"),
    path("profile/tokens/<int:pk>/revoke/", views.token_revoke, name="token-revoke"),
    path("profile/two-factor/", views.two_factor_setup, name="two-factor-setup"),
    path("profile/two-factor/off/", views.two_factor_disable_view, name="two-factor-disable"),
    path("profile/two-factor/backup-codes/", views.backup_codes_new, name="two-factor-backup-codes"),
]
