from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Vendor(models.Model):
    """A supplier or maintainer the IT team buys from or takes faults to (Level III)."""

    name = models.CharField(_("name"), max_length=200)
    website = models.URLField(_("website"), max_length=500, blank=True)
    email = models.EmailField(_("support email"), max_length=254, blank=True)
    phone = models.CharField(_("support phone"), max_length=32, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("vendor")
        verbose_name_plural = _("vendors")
        constraints = [models.UniqueConstraint(Lower("name"), name="vendor_name_unique")]

    def __str__(self) -> str:
        return self.name


class VendorContact(models.Model):
    """A person at a vendor: who hears of the faults taken to them."""

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("vendor"))
    name = models.CharField(_("name"), max_length=200)
    role = models.CharField(_("role"), max_length=120, blank=True)
    email = models.EmailField(_("email"), max_length=254, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    is_primary = models.BooleanField(
        _("primary contact"), default=False, help_text=_("Escalations and reminders go to the primary contact.")
    )

    class Meta:
        ordering = ["vendor", "-is_primary", "name", "id"]
        verbose_name = _("vendor contact")
        verbose_name_plural = _("vendor contacts")
        constraints = [
            models.UniqueConstraint(
                fields=["vendor"], condition=models.Q(is_primary=True), name="vendor_one_primary_contact"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.vendor})"


class VendorContract(models.Model):
    """What a vendor promised: a support or maintenance contract with response and
    resolution targets, which the vendor clock of an escalated ticket runs against."""

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="contracts", verbose_name=_("vendor"))
    reference = models.CharField(_("contract reference"), max_length=120)
    description = models.TextField(_("what it covers"), blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    response_minutes = models.PositiveIntegerField(_("response within (minutes)"))
    resolution_minutes = models.PositiveIntegerField(_("resolution within (minutes)"))
    business_hours_only = models.BooleanField(
        _("business hours only"),
        default=False,
        help_text=_("The targets count the helpdesk's business hours only, not every hour of the day."),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["vendor", "-starts_on", "id"]
        verbose_name = _("vendor contract")
        verbose_name_plural = _("vendor contracts")
        constraints = [
            models.UniqueConstraint(fields=["vendor", "reference"], name="vendor_contract_reference_unique"),
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=models.F("starts_on")),
                name="vendor_contract_ends_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(resolution_minutes__gte=models.F("response_minutes")),
                name="vendor_contract_resolution_after_response",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.vendor} {self.reference}"

    def is_current(self, *, on) -> bool:
        return self.starts_on <= on and (self.ends_on is None or on <= self.ends_on)
