from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.selectors import person_by_identifier
from tickets.api.serializers import PersonSerializer
from vendors.models import Vendor

from ..choices import TAG_MAX_LENGTH, AssetClass, AssetStatus, AssetType, ImportAction, ImportStatus
from ..selectors import asset_by_tag


class AssetVendorSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


class AssetBriefSerializer(serializers.Serializer):
    tag = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    asset_type = serializers.ChoiceField(choices=AssetType.choices, read_only=True)


# Declared fields, as tickets.api's serializers.
class AssetSerializer(serializers.Serializer):
    tag = serializers.CharField(read_only=True)
    url = serializers.SerializerMethodField()
    asset_type = serializers.ChoiceField(choices=AssetType.choices, read_only=True)
    asset_class = serializers.ChoiceField(choices=AssetClass.choices, read_only=True)
    name = serializers.CharField(read_only=True)
    status = serializers.ChoiceField(choices=AssetStatus.choices, read_only=True)
    manufacturer = serializers.CharField(read_only=True)
    model = serializers.CharField(read_only=True)
    serial_number = serializers.CharField(read_only=True)
    host_name = serializers.CharField(read_only=True)
    ip_address = serializers.IPAddressField(read_only=True, allow_null=True)
    mac_address = serializers.CharField(read_only=True)
    location = serializers.CharField(read_only=True)
    user = PersonSerializer(read_only=True, allow_null=True)
    vendor = AssetVendorSerializer(read_only=True, allow_null=True)
    parent = AssetBriefSerializer(read_only=True, allow_null=True)
    purchase_date = serializers.DateField(read_only=True, allow_null=True)
    purchase_cost = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True, allow_null=True)
    warranty_ends_on = serializers.DateField(read_only=True, allow_null=True)
    seats_owned = serializers.IntegerField(read_only=True, allow_null=True)
    seats_used = serializers.IntegerField(read_only=True, allow_null=True)
    licence_expires_on = serializers.DateField(read_only=True, allow_null=True)
    notes = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)

    def get_url(self, asset) -> str:
        return f"/api/v1/assets/{asset.tag}/"

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not self.context.get("staff"):
            # A requester reads their own device, not what the IT team paid or noted.
            data["purchase_cost"] = None
            data["notes"] = ""
        return data


def _text(max_length: int, **kwargs) -> serializers.CharField:
    return serializers.CharField(max_length=max_length, required=False, allow_blank=True, **kwargs)


class AssetWriteSerializer(serializers.Serializer):
    """A new asset (tag and type required) or a change to one (any of the fields). The
    person by user name or email, the vendor by id, the parent by tag; the service checks
    the rules between the fields."""

    tag = serializers.CharField(max_length=TAG_MAX_LENGTH)
    asset_type = serializers.ChoiceField(choices=AssetType.choices)
    name = _text(200)
    status = serializers.ChoiceField(choices=AssetStatus.choices, required=False)
    manufacturer = _text(120)
    model = _text(120)
    serial_number = _text(120)
    host_name = _text(253)
    ip_address = serializers.CharField(max_length=64, required=False, allow_blank=True, allow_null=True)
    mac_address = _text(64)
    location = _text(200)
    user = serializers.CharField(
        max_length=254, required=False, allow_blank=True, allow_null=True, help_text=_("User name or email.")
    )
    vendor = serializers.IntegerField(min_value=1, max_value=2**31 - 1, required=False, allow_null=True)
    parent = serializers.CharField(
        max_length=TAG_MAX_LENGTH, required=False, allow_blank=True, allow_null=True, help_text=_("The parent's tag.")
    )
    purchase_date = serializers.DateField(required=False, allow_null=True)
    purchase_cost = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    warranty_ends_on = serializers.DateField(required=False, allow_null=True)
    seats_owned = serializers.IntegerField(min_value=0, max_value=10_000_000, required=False, allow_null=True)
    seats_used = serializers.IntegerField(min_value=0, max_value=10_000_000, required=False, allow_null=True)
    licence_expires_on = serializers.DateField(required=False, allow_null=True)
    notes = _text(5000)

    def validate_user(self, value):
        if not value:
            return None
        person = person_by_identifier(value=value)
        if person is None or not person.is_active:
            raise serializers.ValidationError(_("No active person has this user name or email."))
        return person

    def validate_vendor(self, value):
        if value is None:
            return None
        vendor = Vendor.objects.filter(pk=value).first()
        if vendor is None:
            raise serializers.ValidationError(_("No vendor has this id."))
        return vendor

    def validate_parent(self, value):
        if not value:
            return None
        parent = asset_by_tag(value)
        if parent is None:
            raise serializers.ValidationError(_("No asset has this tag."))
        return parent


class TicketAssetAddSerializer(serializers.Serializer):
    tag = serializers.CharField(max_length=200, help_text=_("The asset's tag, whatever its case."))


class TicketAssetSerializer(serializers.Serializer):
    asset = AssetBriefSerializer(read_only=True)
    added_at = serializers.DateTimeField(read_only=True)


class AssetImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text=_("A CSV or XLSX file; its first row names the columns, as the export does.")
    )


class AssetImportSerializer(serializers.Serializer):
    """An import as its page shows it: where it is, what its rows would do, how far it is."""

    id = serializers.IntegerField(read_only=True)
    url = serializers.SerializerMethodField()
    original_name = serializers.CharField(read_only=True)
    file_format = serializers.CharField(read_only=True)
    status = serializers.ChoiceField(choices=ImportStatus.choices, read_only=True)
    failure = serializers.CharField(read_only=True, help_text=_("Why the file could not be read (a failed import)."))
    creates = serializers.IntegerField(read_only=True)
    updates = serializers.IntegerField(read_only=True)
    unchanged = serializers.IntegerField(read_only=True)
    errors = serializers.IntegerField(read_only=True)
    rows_total = serializers.IntegerField(read_only=True)
    rows_read = serializers.IntegerField(read_only=True)
    rows_applied = serializers.SerializerMethodField()
    percent = serializers.SerializerMethodField()
    running = serializers.SerializerMethodField()
    uploaded_by = PersonSerializer(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    applied_at = serializers.DateTimeField(read_only=True, allow_null=True)

    def get_url(self, asset_import) -> str:
        return f"/api/v1/asset-imports/{asset_import.pk}/"

    def get_rows_applied(self, asset_import) -> int:
        return self.context["progress"]["applied"]

    def get_percent(self, asset_import) -> int:
        return self.context["progress"]["percent"]

    def get_running(self, asset_import) -> bool:
        return self.context["progress"]["running"]


class ImportRowFilterSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=ImportAction.choices, required=False)


class ImportProblemSerializer(serializers.Serializer):
    column = serializers.CharField(read_only=True)
    message = serializers.CharField(read_only=True)


class AssetImportRowSerializer(serializers.Serializer):
    row_number = serializers.IntegerField(read_only=True)
    action = serializers.ChoiceField(choices=ImportAction.choices, read_only=True)
    tag = serializers.CharField(read_only=True)
    changes = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField(allow_blank=True), min_length=2, max_length=2),
        read_only=True,
        help_text=_("An update's changes: each column with its old and new value."),
    )
    errors = ImportProblemSerializer(source="problems", many=True, read_only=True)
