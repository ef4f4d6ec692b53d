"""Vendor records: vendors, their contacts and their contracts, written by supervisors and
administrators (the configuration audit keeps who changed what, settings.py)."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tickets.text import multi_line, single_line

from ..exceptions import VendorError, VendorNotAllowedError
from ..models import Vendor, VendorContact, VendorContract
from ..rules import can_manage_vendors

VENDOR_FIELDS = ("name", "website", "email", "phone", "notes", "is_active")
CONTACT_FIELDS = ("name", "role", "email", "phone", "is_primary")
CONTRACT_FIELDS = (
    "reference",
    "description",
    "starts_on",
    "ends_on",
    "response_minutes",
    "resolution_minutes",
    "business_hours_only",
    "calendar",
)
MULTI_LINE = {"notes", "description"}


def _require_manager(by) -> None:
    if not can_manage_vendors(by):
        raise VendorNotAllowedError(_("Only supervisors and administrators can change vendor records."))


def _cleaned(fields: dict, allowed: tuple[str, ...]) -> dict:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise VendorError(_("Unknown fields: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    cleaned = {}
    for name, value in fields.items():
        if isinstance(value, str):
            value = multi_line(value) if name in MULTI_LINE else single_line(value)
        cleaned[name] = value
    return cleaned


def _check_name(name: str, *, exclude_pk: int | None) -> str:
    if not name:
        raise VendorError(_("Give the vendor a name."))
    clash = Vendor.objects.filter(name__iexact=name)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise VendorError(_("There is already a vendor called “%(name)s”.") % {"name": name})
    return name


def _save(instance, message: str):
    try:
        with transaction.atomic():
            instance.full_clean(validate_unique=False, validate_constraints=False)
            instance.save()
    except ValidationError as exc:
        raise VendorError(" ".join(exc.messages)) from None
    except IntegrityError:
        raise VendorError(message) from None
    return instance


@transaction.atomic
def vendor_create(*, by, **fields) -> Vendor:
    """A new vendor; its name is unique whatever the case."""
    _require_manager(by)
    fields = _cleaned(fields, VENDOR_FIELDS)
    fields["name"] = _check_name(fields.get("name", ""), exclude_pk=None)
    return _save(Vendor(**fields, created_at=timezone.now()), _("There is already a vendor of that name."))


@transaction.atomic
def vendor_update(*, by, vendor_id: int, **fields) -> Vendor:
    """Change a vendor's record; its name stays unique whatever the case."""
    _require_manager(by)
    fields = _cleaned(fields, VENDOR_FIELDS)
    vendor = Vendor.objects.select_for_update().get(pk=vendor_id)
    if "name" in fields:
        fields["name"] = _check_name(fields["name"], exclude_pk=vendor.pk)
    for name, value in fields.items():
        setattr(vendor, name, value)
    return _save(vendor, _("There is already a vendor of that name."))


@transaction.atomic
def vendor_contact_save(*, by, vendor_id: int, contact_id: int | None = None, **fields) -> VendorContact:
    """Add or change a contact of a vendor. One contact is primary: making one primary
    makes the others not, and a vendor's first contact is primary."""
    _require_manager(by)
    fields = _cleaned(fields, CONTACT_FIELDS)
    vendor = Vendor.objects.select_for_update().get(pk=vendor_id)
    found = (
        VendorContact(vendor=vendor)
        if contact_id is None
        else VendorContact.objects.filter(vendor=vendor, pk=contact_id).first()
    )
    if found is None:
        raise VendorError(_("That contact is not one of this vendor's."))
    contact = found
    for name, value in fields.items():
        setattr(contact, name, value)
    if not contact.name:
        raise VendorError(_("Give the contact a name."))
    others = VendorContact.objects.filter(vendor=vendor).exclude(pk=contact.pk)
    if not others.exists():
        contact.is_primary = True
    if contact.is_primary:
        others.filter(is_primary=True).update(is_primary=False)
    return _save(contact, _("This vendor already has a primary contact."))


@transaction.atomic
def vendor_contact_delete(*, by, vendor_id: int, contact_id: int) -> None:
    """Remove a contact (escalations keep the address they were mailed to)."""
    _require_manager(by)
    Vendor.objects.select_for_update().get(pk=vendor_id)
    VendorContact.objects.filter(vendor_id=vendor_id, pk=contact_id).delete()


@transaction.atomic
def vendor_contract_save(*, by, vendor_id: int, contract_id: int | None = None, **fields) -> VendorContract:
    """Add or change a contract of a vendor: a reference unique for the vendor, an end
    not before its start, a resolution target not shorter than the response target."""
    _require_manager(by)
    fields = _cleaned(fields, CONTRACT_FIELDS)
    vendor = Vendor.objects.select_for_update().get(pk=vendor_id)
    found = (
        VendorContract(vendor=vendor, created_at=timezone.now())
        if contract_id is None
        else VendorContract.objects.filter(vendor=vendor, pk=contract_id).first()
    )
    if found is None:
        raise VendorError(_("That contract is not one of this vendor's."))
    contract = found
    for name, value in fields.items():
        setattr(contract, name, value)
    if not contract.reference:
        raise VendorError(_("Give the contract its reference."))
    if contract.starts_on is None:
        raise VendorError(_("Say when the contract starts."))
    if contract.ends_on is not None and contract.ends_on < contract.starts_on:
        raise VendorError(_("A contract cannot end before it starts."))
    if contract.response_minutes is None or contract.resolution_minutes is None:
        raise VendorError(_("Give the response and resolution targets in minutes."))
    if contract.response_minutes < 1 or contract.resolution_minutes < 1:
        raise VendorError(_("The targets are at least one minute."))
    if contract.resolution_minutes < contract.response_minutes:
        raise VendorError(_("The resolution target cannot be shorter than the response target."))
    clash = VendorContract.objects.filter(vendor=vendor, reference__iexact=contract.reference).exclude(pk=contract.pk)
    if clash.exists():
        raise VendorError(_("This vendor already has a contract “%(ref)s”.") % {"ref": contract.reference})
    return _save(contract, _("This vendor already has a contract of that reference."))
