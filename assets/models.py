from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vendors.models import Vendor

from .choices import ASSET_CLASS_OF, TAG_MAX_LENGTH, AssetStatus, AssetType, ExpiryKind, ImportAction, ImportStatus


class Asset(models.Model):
    """A thing the IT team looks after: hardware, a software licence or a network device,
    known by its tag (unique, whatever its case). A VM names its host and a disk its
    server as ``parent``; a licence counts its seats."""

    tag = models.CharField(_("asset tag"), max_length=TAG_MAX_LENGTH)
    asset_type = models.CharField(_("type"), max_length=16, choices=AssetType.choices)
    name = models.CharField(_("name"), max_length=200, blank=True)
    manufacturer = models.CharField(_("manufacturer"), max_length=120, blank=True)
    model = models.CharField(_("model"), max_length=120, blank=True)
    serial_number = models.CharField(_("serial number"), max_length=120, blank=True)
    host_name = models.CharField(_("host name"), max_length=253, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    # Stored as six lower-case pairs joined by colons (aa:bb:cc:dd:ee:ff).
    mac_address = models.CharField(_("MAC address"), max_length=17, blank=True)
    location = models.CharField(_("location"), max_length=200, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assets",
        verbose_name=_("used by"),
    )
    status = models.CharField(_("status"), max_length=10, choices=AssetStatus.choices, default=AssetStatus.IN_USE)
    purchase_date = models.DateField(_("purchase date"), null=True, blank=True)
    purchase_cost = models.DecimalField(_("purchase cost"), max_digits=14, decimal_places=2, null=True, blank=True)
    warranty_ends_on = models.DateField(_("warranty ends on"), null=True, blank=True)
    vendor = models.ForeignKey(
        Vendor, on_delete=models.PROTECT, null=True, blank=True, related_name="assets", verbose_name=_("vendor")
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("part of"),
        help_text=_("The host of a virtual machine, the server of a disk."),
    )
    # Software licences.
    seats_owned = models.PositiveIntegerField(_("seats owned"), null=True, blank=True)
    seats_used = models.PositiveIntegerField(_("seats used"), null=True, blank=True)
    licence_expires_on = models.DateField(_("licence expires on"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        ordering = ["tag", "id"]
        verbose_name = _("asset")
        verbose_name_plural = _("assets")
        constraints = [
            models.UniqueConstraint(Lower("tag"), name="asset_tag_unique"),
            models.CheckConstraint(condition=~models.Q(tag=""), name="asset_tag_not_empty"),
        ]
        indexes = [
            models.Index(fields=["user", "status"], name="asset_user_idx"),
            models.Index(Lower("host_name"), name="asset_host_name_idx"),
            models.Index(fields=["serial_number"], name="asset_serial_idx"),
            # Expiry warnings: the warranties and licences ending in the coming days.
            models.Index(
                fields=["warranty_ends_on"],
                condition=models.Q(warranty_ends_on__isnull=False),
                name="asset_warranty_idx",
            ),
            models.Index(
                fields=["licence_expires_on"],
                condition=models.Q(licence_expires_on__isnull=False),
                name="asset_licence_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tag} {self.name}".strip()

    def get_absolute_url(self) -> str:
        return reverse("assets:detail", kwargs={"tag": self.tag})

    @property
    def asset_class(self) -> str:
        return ASSET_CLASS_OF[self.asset_type]


class TicketAsset(models.Model):
    """A ticket is about this asset (a ticket may name several, an asset gathers its
    tickets over the years)."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="asset_links")
    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="ticket_links")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    added_at = models.DateTimeField(_("added"), default=timezone.now)

    class Meta:
        ordering = ["added_at", "id"]
        verbose_name = _("ticket asset")
        verbose_name_plural = _("ticket assets")
        constraints = [models.UniqueConstraint(fields=["ticket", "asset"], name="ticket_asset_unique")]
        indexes = [models.Index(fields=["asset", "-added_at"], name="ticket_asset_asset_idx")]

    def __str__(self) -> str:
        return f"{self.ticket_id} ↔ {self.asset_id}"


class AssetImport(models.Model):
    """An uploaded CSV or XLSX of assets: read by a worker into one row of outcome per
    line (nothing saved to the assets yet), then applied once, all or nothing, after the
    person who uploaded it confirms a preview without errors."""

    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    original_name = models.CharField(_("file name"), max_length=255)
    stored_path = models.CharField(max_length=500)
    file_format = models.CharField(max_length=4)  # csv or xlsx
    status = models.CharField(_("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.UPLOADED)
    rows_total = models.PositiveIntegerField(default=0)
    rows_read = models.PositiveIntegerField(default=0)
    rows_applied = models.PositiveIntegerField(default=0)
    creates = models.PositiveIntegerField(default=0)
    updates = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    errors = models.PositiveIntegerField(default=0)
    failure = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("asset import")
        verbose_name_plural = _("asset imports")

    def __str__(self) -> str:
        return self.original_name

    @property
    def percent(self) -> int:
        if self.status in (ImportStatus.APPLYING,):
            done, total = self.rows_applied, self.creates + self.updates
        else:
            done, total = self.rows_read, self.rows_total
        return 100 if not total else min(100, done * 100 // total)


class AssetImportRow(models.Model):
    """What one line of an import would do: create, update (the fields that change, old
    → new), leave unchanged, or the errors that stop it."""

    asset_import = models.ForeignKey(AssetImport, on_delete=models.CASCADE, related_name="rows")
    row_number = models.PositiveIntegerField()
    action = models.CharField(max_length=10, choices=ImportAction.choices)
    tag = models.CharField(max_length=TAG_MAX_LENGTH, blank=True)
    asset = models.ForeignKey(Asset, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    values = models.JSONField(default=dict)  # the new values, in the model's terms
    changes = models.JSONField(default=dict)  # field: [old, new], for an update
    problems = models.JSONField(default=list)  # [{"column": ..., "message": ...}]

    class Meta:
        ordering = ["row_number"]
        constraints = [models.UniqueConstraint(fields=["asset_import", "row_number"], name="asset_import_row_unique")]
        indexes = [models.Index(fields=["asset_import", "action", "row_number"], name="asset_import_row_action_idx")]

    def __str__(self) -> str:
        return f"{self.asset_import_id}:{self.row_number}"


class AssetExpiryWarning(models.Model):
    """Supervisors were told this asset's warranty or licence ends on this date: one
    notice per asset, kind and date, claimed by inserting this row."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=ExpiryKind.choices)
    expires_on = models.DateField()
    warned_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["asset", "kind", "expires_on"], name="asset_expiry_warning_unique")
        ]

    def __str__(self) -> str:
        return f"{self.asset_id} {self.kind} {self.expires_on}"
