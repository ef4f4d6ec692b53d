import zoneinfo

import phonenumbers
from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .choices import Level


def phone_to_e164(value: str) -> str:
    """A phone number as E.164 (+6281234567890). Numbers without a country code are read
    as numbers of HELPDESK_PHONE_REGION (Indonesia by default)."""
    try:
        number = phonenumbers.parse(value, settings.HELPDESK_PHONE_REGION)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValidationError(
            {"phone": _("“%(value)s” is not a valid phone number.") % {"value": value}}, code="invalid_phone"
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def default_time_zone() -> str:
    return settings.TIME_ZONE


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("“%(value)s” is not a known time zone."), params={"value": value}, code="invalid")


class User(AbstractUser):
    """A person who files or works tickets; the phone, when set, is E.164 for SMS."""

    # Stored as E.164; room for how people type numbers until clean() normalises them.
    phone = models.CharField(
        _("mobile phone"), max_length=32, blank=True, help_text=_("For SMS, e.g. 0812 3456 7890 or +62 812 3456 7890.")
    )
    # Blank until chosen: the first sign-in stores the language the browser asked for.
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, blank=True, default="")
    # No choices here: the list and the default come from settings (HELPDESK_TIME_ZONES),
    # which may differ per install; the profile form offers the list.
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default=default_time_zone,
        validators=[validate_time_zone],
        help_text=_("Dates and times, and your quiet hours for SMS, are shown in this time zone."),
    )
    # The OpenID Connect provider's subject ("sub") for this person, kept at their first
    # sign-in through it: later sign-ins find the account by it, whatever their email.
    oidc_subject = models.CharField(
        _("single sign-on subject"),
        max_length=255,
        blank=True,
        default="",
        help_text=_("The identity provider's id for this person, set at their first single sign-on."),
    )

    # Set for people the organisation's directory holds (accounts.directory): their
    # entry, when the directory last vouched for them, and when it shut their account.
    directory_dn = models.CharField(_("directory entry"), max_length=1024, blank=True, editable=False)
    directory_checked_at = models.DateTimeField(_("checked with the directory"), null=True, blank=True, editable=False)
    directory_disabled_at = models.DateTimeField(_("disabled in the directory"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(
                fields=["oidc_subject"], condition=~models.Q(oidc_subject=""), name="user_oidc_subject_unique"
            )
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def clean(self) -> None:
        super().clean()
        if self.phone:
            self.phone = phone_to_e164(self.phone)


class ApiToken(models.Model):
    """A named key a person gives a script or another system to act as them through the
    API. Only a SHA-256 digest of the key is stored; the key itself is shown once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=80)
    # The first characters of the key, to tell tokens apart in lists (not secret enough to use).
    prefix = models.CharField(_("starts with"), max_length=12)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class SupportLevel(models.Model):
    """A support tier (I, II, III) and the agents who work it; one row per tier."""

    number = models.PositiveSmallIntegerField(_("level"), choices=Level.choices, unique=True)
    name = models.CharField(_("name"), max_length=80)
    description = models.TextField(_("description"), blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="support_levels", verbose_name=_("agents")
    )

    class Meta:
        ordering = ["number"]
        verbose_name = _("support level")
        verbose_name_plural = _("support levels")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """The name in the reader's language (for the ones the helpdesk starts with)."""
        return gettext(self.name)
