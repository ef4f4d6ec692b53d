"""Reads of the vendors app: vendor lists and pages, a ticket's vendor escalations, the
escalation a vendor's mail answers, and vendor performance against contracts."""

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from tickets.threading import ticket_id_from_subject

from .choices import VendorEscalationStatus
from .models import Vendor, VendorContact, VendorContract, VendorEscalation

THREAD_IDS_MAX = 50


def vendor_list(*, query: str = "", active: str = "") -> QuerySet[Vendor]:
    """Vendors by name, each with its open escalations and whether a contract is in
    force today counted in the same query."""
    today = timezone.localdate()
    current = VendorContract.objects.in_force(on=today).filter(vendor=OuterRef("pk"))
    vendors = Vendor.objects.annotate(
        open_escalations=Count("escalations", filter=Q(escalations__status=VendorEscalationStatus.OPEN)),
        has_current_contract=Exists(current),
    ).order_by("name", "id")
    if query:
        vendors = vendors.filter(Q(name__icontains=query) | Q(email__icontains=query))
    if active == "yes":
        vendors = vendors.filter(is_active=True)
    elif active == "no":
        vendors = vendors.filter(is_active=False)
    return vendors


@dataclass
class VendorPage:
    vendor: Vendor
    contacts: list[VendorContact]
    contracts: list[VendorContract]
    open_escalations: list[VendorEscalation]
    past_escalations: list[VendorEscalation]


PAST_SHOWN = 50


def vendor_page(*, pk: int) -> VendorPage:
    """A vendor with its contacts, contracts and escalations (open ones, then the latest
    closed ones): a fixed number of queries."""
    vendor = Vendor.objects.filter(pk=pk).first()
    if vendor is None:
        raise Http404
    escalations = VendorEscalation.objects.filter(vendor=vendor).select_related(
        "ticket", "contract", "contact", "escalated_by"
    )
    return VendorPage(
        vendor=vendor,
        contacts=list(VendorContact.objects.filter(vendor=vendor).order_by("-is_primary", "name", "id")),
        contracts=list(VendorContract.objects.filter(vendor=vendor).select_related("calendar")),
        open_escalations=list(escalations.filter(status=VendorEscalationStatus.OPEN).order_by("escalated_at")),
        past_escalations=list(
            escalations.filter(status=VendorEscalationStatus.CLOSED).order_by("-escalated_at")[:PAST_SHOWN]
        ),
    )


def ticket_vendor_escalations(*, ticket_id: int) -> list[VendorEscalation]:
    """A ticket's vendor escalations, the open one first."""
    return list(
        VendorEscalation.objects.filter(ticket_id=ticket_id)
        .select_related("vendor", "contract", "contact", "escalated_by", "closed_by")
        .order_by("closed_at", "-escalated_at")
    )


def _address(value: str) -> str:
    return (value or "").strip().lower()


def vendor_escalation_for_mail(*, thread_ids: list[str], sender: str, subject: str) -> VendorEscalation | None:
    """The vendor escalation a mail answers: one whose first mail's Message-ID is among
    the mail's In-Reply-To/References; else the open escalation of the ticket its subject
    names, when the mail comes from that escalation's contact or vendor address."""
    ids = [message_id for message_id in thread_ids[:THREAD_IDS_MAX] if message_id]
    if ids:
        found = (
            VendorEscalation.objects.filter(message_id__in=ids)
            .select_related("vendor")
            .order_by("-escalated_at")
            .first()
        )
        if found is not None:
            return found
    ticket_id = ticket_id_from_subject(subject or "")
    address = _address(sender)
    if ticket_id is None or not address:
        return None
    candidates = VendorEscalation.objects.filter(
        ticket_id=ticket_id, status=VendorEscalationStatus.OPEN
    ).select_related("vendor", "contact")
    for escalation in candidates:
        known = {
            _address(escalation.contact_email),
            _address(escalation.contact.email if escalation.contact else ""),
            _address(escalation.vendor.email),
        }
        if address in known - {""}:
            return escalation
    return None
