from rest_framework import serializers

from sla.models import Calendar

from ..models import Vendor, VendorContact, VendorContract, VendorEscalation


class VendorContactSerializer(serializers.ModelSerializer):
    class Meta:
        model = VendorContact
        fields = ["id", "name", "role", "email", "phone", "is_primary"]


class VendorContractSerializer(serializers.ModelSerializer):
    calendar = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = VendorContract
        fields = [
            "id",
            "reference",
            "description",
            "starts_on",
            "ends_on",
            "response_minutes",
            "resolution_minutes",
            "business_hours_only",
            "calendar",
        ]


class VendorSerializer(serializers.ModelSerializer):
    contacts = VendorContactSerializer(many=True, read_only=True)
    contracts = VendorContractSerializer(many=True, read_only=True)

    class Meta:
        model = Vendor
        fields = [
            "id",
            "name",
            "website",
            "email",
            "phone",
            "notes",
            "is_active",
            "created_at",
            "contacts",
            "contracts",
        ]


class VendorWriteSerializer(serializers.Serializer):
    """A vendor's record as written: all fields on create, any of them on PATCH."""

    name = serializers.CharField(max_length=200)
    website = serializers.URLField(max_length=500, required=False, allow_blank=True)
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    notes = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)


class VendorContactWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    role = serializers.CharField(max_length=120, required=False, allow_blank=True)
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    is_primary = serializers.BooleanField(required=False, default=False)


class VendorContractWriteSerializer(serializers.Serializer):
    reference = serializers.CharField(max_length=120)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField(required=False, allow_null=True)
    response_minutes = serializers.IntegerField(min_value=1, max_value=525_600)
    resolution_minutes = serializers.IntegerField(min_value=1, max_value=5_256_000)
    business_hours_only = serializers.BooleanField(required=False, default=False)
    calendar = serializers.PrimaryKeyRelatedField(queryset=Calendar.objects.all(), required=False, allow_null=True)


class VendorEscalationSerializer(serializers.ModelSerializer):
    ticket = serializers.CharField(source="ticket.reference", read_only=True)
    vendor = serializers.PrimaryKeyRelatedField(read_only=True)
    vendor_name = serializers.CharField(source="vendor.name", read_only=True)
    contract = serializers.CharField(source="contract.reference", read_only=True, allow_null=True, default=None)
    contact = serializers.CharField(source="contact.name", read_only=True, allow_null=True, default=None)
    escalated_by = serializers.CharField(source="escalated_by.username", read_only=True)

    class Meta:
        model = VendorEscalation
        fields = [
            "id",
            "ticket",
            "vendor",
            "vendor_name",
            "contract",
            "contact",
            "contact_email",
            "vendor_reference",
            "status",
            "escalated_by",
            "escalated_at",
            "response_due_at",
            "resolution_due_at",
            "responded_at",
            "resolved_at",
            "resolution",
            "closed_at",
        ]


class VendorEscalateSerializer(serializers.Serializer):
    """Take a Level III ticket to a vendor: the contract is required when the vendor has
    one in force; the contact is the vendor's primary one unless another is named."""

    ticket = serializers.CharField(max_length=20)
    vendor = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    contract = serializers.IntegerField(min_value=1, max_value=2**63 - 1, required=False, allow_null=True)
    contact = serializers.IntegerField(min_value=1, max_value=2**63 - 1, required=False, allow_null=True)
    vendor_reference = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    message = serializers.CharField(max_length=10_000)


class VendorReferenceWriteSerializer(serializers.Serializer):
    vendor_reference = serializers.CharField(max_length=120)


class VendorResolutionWriteSerializer(serializers.Serializer):
    resolution = serializers.CharField(max_length=10_000)


class VendorCloseWriteSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
