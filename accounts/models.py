from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

e164_validator = RegexValidator(
    r"^\+[1-9]\d{6,14}$",
    _("Enter the number in international form, for example +6281234567890."),
)


class User(AbstractUser):
    """A person who files or works tickets; the phone, when set, is E.164 for SMS."""

    phone = models.CharField(_("mobile phone"), max_length=16, blank=True, validators=[e164_validator])
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_full_name() or self.username
