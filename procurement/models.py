from decimal import Decimal

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assets.models import Asset
from vendors.models import Vendor

from .choices import AMOUNT_MAX_DIGITS, ProcurementStatus, Recommendation, ReportStatus

REFERENCE_PREFIX = "PR-"


def pk_from_reference(reference: str) -> int | None:
    """The id in ``PR-000042`` (any case), or None when it is not one."""
    text = (reference or "").strip().upper().removeprefix(REFERENCE_PREFIX)
    return int(text) if text.isdigit() and len(text) <= 12 else None


class ComponentReport(models.Model):
    """An agent's finding on a ticket: this asset has this fault and should be repaired or
    replaced, for about this cost. The ticket's level's supervisors decide; a replacement
    opens a procurement request filled in from the report."""

    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="component_reports", verbose_name=_("ticket")
    )
    asset = models.ForeignKey(
        Asset, on_delete=models.PROTECT, related_name="component_reports", verbose_name=_("asset")
    )
    fault = models.TextField(_("fault"))
    recommendation = models.CharField(_("recommendation"), max_length=10, choices=Recommendation.choices)
    estimated_cost = models.DecimalField(_("estimated cost"), max_digits=AMOUNT_MAX_DIGITS, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    status = models.CharField(_("status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.PENDING)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("reported by")
    )
    reported_at = models.DateTimeField(_("reported"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    procurement = models.OneToOneField(
        "ProcurementRequest",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="component_report",
        verbose_name=_("procurement request"),
    )

    class Meta:
        ordering = ["-reported_at", "-id"]
        verbose_name = _("component report")
        verbose_name_plural = _("component reports")
        constraints = [
            models.CheckConstraint(condition=models.Q(estimated_cost__gte=0), name="component_report_cost_not_negative")
        ]
        indexes = [models.Index(fields=["status", "-reported_at"], name="component_report_status_idx")]

    def __str__(self) -> str:
        return f"{self.asset.tag} ({self.get_recommendation_display()})"


class ProcurementRequest(models.Model):
    """A request to buy: items with their estimated costs, why, for which tickets and
    assets and from which budget line. It moves draft → submitted → approved (a second,
    different approver above HELPDESK_PROCUREMENT_SECOND_APPROVAL_AMOUNT) → ordered →
    received, or ends rejected or cancelled; ``total`` is always the sum of its items."""

    status = models.CharField(
        _("status"), max_length=16, choices=ProcurementStatus.choices, default=ProcurementStatus.DRAFT
    )
    reason = models.TextField(_("reason"))
    budget_line = models.CharField(_("budget line"), max_length=120, blank=True)
    currency = models.CharField(_("currency"), max_length=3)
    total = models.DecimalField(_("total"), max_digits=AMOUNT_MAX_DIGITS + 2, decimal_places=2, default=Decimal(0))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    first_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    first_approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    second_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("second approval by"),
    )
    second_approved_at = models.DateTimeField(_("second approval"), null=True, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    supplier = models.ForeignKey(
        Vendor,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="procurement_requests",
        verbose_name=_("supplier"),
    )
    order_reference = models.CharField(_("order reference"), max_length=120, blank=True)
    expected_on = models.DateField(_("expected on"), null=True, blank=True)
    ordered_at = models.DateTimeField(_("ordered"), null=True, blank=True)
    received_at = models.DateTimeField(_("received"), null=True, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("received by"),
    )
    tickets = models.ManyToManyField(
        "tickets.Ticket", blank=True, related_name="procurement_requests", verbose_name=_("tickets")
    )
    assets = models.ManyToManyField(Asset, blank=True, related_name="procurement_requests", verbose_name=_("assets"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("procurement request")
        verbose_name_plural = _("procurement requests")
        constraints = [models.CheckConstraint(condition=models.Q(total__gte=0), name="procurement_total_not_negative")]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="procurement_status_idx"),
            models.Index(fields=["requested_by", "-created_at"], name="procurement_requester_idx"),
            models.Index(fields=["supplier", "-created_at"], name="procurement_supplier_idx"),
        ]

    def __str__(self) -> str:
        return self.reference

    def get_absolute_url(self) -> str:
        return reverse("procurement:detail", kwargs={"reference": self.reference})

    @property
    def reference(self) -> str:
        return f"{REFERENCE_PREFIX}{self.pk or 0:06d}"


class ProcurementItem(models.Model):
    """One line of a procurement request: what, how many, at about what unit cost, and
    the asset it replaces if any; once received, the asset it became."""

    request = models.ForeignKey(ProcurementRequest, on_delete=models.CASCADE, related_name="items")
    description = models.CharField(_("description"), max_length=300)
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_cost = models.DecimalField(_("estimated unit cost"), max_digits=AMOUNT_MAX_DIGITS, decimal_places=2)
    replaces_asset = models.ForeignKey(
        Asset, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("replaces asset")
    )
    received_asset = models.ForeignKey(
        Asset, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("received as asset")
    )

    class Meta:
        ordering = ["request", "id"]
        verbose_name = _("procurement item")
        verbose_name_plural = _("procurement items")
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="procurement_item_quantity_positive"),
            models.CheckConstraint(condition=models.Q(unit_cost__gte=0), name="procurement_item_cost_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.description}"

    @property
    def line_total(self) -> Decimal:
        return self.quantity * self.unit_cost


class ProcurementEvent(models.Model):
    """One step of a procurement request or a component report, as it happened: who,
    when, from which status to which, and why. Written once, never changed."""

    request = models.ForeignKey(
        ProcurementRequest, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    report = models.ForeignKey(ComponentReport, on_delete=models.CASCADE, null=True, blank=True, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("when"), default=timezone.now)
    from_status = models.CharField(_("from"), max_length=16, blank=True)
    to_status = models.CharField(_("to"), max_length=16)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("procurement event")
        verbose_name_plural = _("procurement events")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(request__isnull=False, report__isnull=True)
                | models.Q(request__isnull=True, report__isnull=False),
                name="procurement_event_of_one_thing",
            )
        ]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Procurement events are written once and never changed.")
        super().save(*args, **kwargs)

    def _label(self, value: str) -> str:
        choices = ReportStatus if self.report_id else ProcurementStatus
        return str(dict(choices.choices).get(value, value)) if value else "—"

    @property
    def from_label(self) -> str:
        return self._label(self.from_status)

    @property
    def to_label(self) -> str:
        return self._label(self.to_status)
