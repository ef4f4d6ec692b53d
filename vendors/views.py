"""Pages of the vendors app: vendor records (staff read, supervisors and administrators
write) and taking a Level III ticket to a vendor and following it up."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sla.models import Calendar
from tickets.selectors import ticket_get_for_user

from . import services
from .exceptions import VendorError, VendorNotAllowedError
from .forms import (
    ContactForm,
    ContractForm,
    VendorCloseForm,
    VendorEscalateForm,
    VendorFilterForm,
    VendorForm,
    VendorReferenceForm,
    VendorResolutionForm,
)
from .models import Vendor, VendorEscalation
from .rules import can_escalate_to_vendor, can_manage_vendors, can_read_vendors
from .selectors import ticket_vendor_escalations, vendor_list, vendor_page

PAGE_SIZE = 50


def _require_reader(request) -> None:
    if not can_read_vendors(request.user):
        raise PermissionDenied


def _require_manager(request) -> None:
    if not can_manage_vendors(request.user):
        raise PermissionDenied


def _vendor_or_404(pk: int) -> Vendor:
    vendor = Vendor.objects.filter(pk=pk).first()
    if vendor is None:
        raise Http404
    return vendor


@require_GET
def vendor_index(request):
    _require_reader(request)
    form = VendorFilterForm(request.GET or None)
    query, active = "", ""
    if form.is_valid():
        query, active = form.cleaned_data["q"], form.cleaned_data["active"]
    page = Paginator(vendor_list(query=query, active=active), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "vendors/vendor_list.html",
        {"form": form, "page": page, "can_manage": can_manage_vendors(request.user)},
        status=200 if form.is_bound is False or form.is_valid() else 400,
    )


def _detail(request, pk: int, *, contact_form=None, contract_form=None, status=200):
    data = vendor_page(pk=pk)
    manager = can_manage_vendors(request.user)
    context = {"data": data, "vendor": data.vendor, "can_manage": manager}
    if manager:
        calendars = list(Calendar.objects.order_by("name"))
        context["contact_forms"] = [
            ContactForm(
                initial=ContactForm.initial_for(contact),
                action=reverse("vendors:contact", args=[pk]),
                auto_id=f"contact{contact.pk}_%s",
            )
            for contact in data.contacts
        ]
        context["contract_forms"] = [
            ContractForm(
                initial=ContractForm.initial_for(contract),
                action=reverse("vendors:contract", args=[pk]),
                auto_id=f"contract{contract.pk}_%s",
                calendars=calendars,
            )
            for contract in data.contracts
        ]
        context["contact_form"] = contact_form or ContactForm(action=reverse("vendors:contact", args=[pk]))
        context["contract_form"] = contract_form or ContractForm(
            action=reverse("vendors:contract", args=[pk]), calendars=calendars
        )
    return render(request, "vendors/vendor_detail.html", context, status=status)


@require_GET
def vendor_detail(request, pk):
    _require_reader(request)
    return _detail(request, pk)


@require_http_methods(["GET", "POST"])
def vendor_create(request):
    _require_manager(request)
    form = VendorForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                vendor = services.vendor_create(by=request.user, **form.cleaned_data)
            except VendorError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Vendor %(name)s added.") % {"name": vendor.name})
                return redirect("vendors:detail", pk=vendor.pk)
    return render(request, "vendors/vendor_form.html", {"form": form, "vendor": None}, status=status)


@require_http_methods(["GET", "POST"])
def vendor_edit(request, pk):
    _require_manager(request)
    vendor = _vendor_or_404(pk)
    form = VendorForm(request.POST or None, initial=VendorForm.initial_for(vendor))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.vendor_update(by=request.user, vendor_id=vendor.pk, **form.cleaned_data)
            except VendorError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Vendor %(name)s saved.") % {"name": form.cleaned_data["name"]})
                return redirect("vendors:detail", pk=vendor.pk)
    return render(request, "vendors/vendor_form.html", {"form": form, "vendor": vendor}, status=status)


@require_POST
def vendor_contact(request, pk):
    """Add a contact, or change one (its id in the form)."""
    _require_manager(request)
    vendor = _vendor_or_404(pk)
    form = ContactForm(request.POST, action=reverse("vendors:contact", args=[pk]))
    if form.is_valid():
        data = dict(form.cleaned_data)
        contact_id = data.pop("contact_id")
        try:
            services.vendor_contact_save(by=request.user, vendor_id=vendor.pk, contact_id=contact_id, **data)
        except VendorError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Contact %(name)s saved.") % {"name": data["name"]})
            return redirect("vendors:detail", pk=vendor.pk)
    messages.error(request, _("Please correct the errors below."))
    return _detail(request, pk, contact_form=form, status=400)


@require_POST
def vendor_contact_delete(request, pk, contact_pk):
    _require_manager(request)
    vendor = _vendor_or_404(pk)
    services.vendor_contact_delete(by=request.user, vendor_id=vendor.pk, contact_id=contact_pk)
    messages.success(request, _("Contact removed."))
    return redirect("vendors:detail", pk=vendor.pk)


@require_POST
def vendor_contract(request, pk):
    """Add a contract, or change one (its id in the form)."""
    _require_manager(request)
    vendor = _vendor_or_404(pk)
    form = ContractForm(request.POST, action=reverse("vendors:contract", args=[pk]))
    if form.is_valid():
        data = dict(form.cleaned_data)
        contract_id = data.pop("contract_id")
        try:
            services.vendor_contract_save(by=request.user, vendor_id=vendor.pk, contract_id=contract_id, **data)
        except VendorError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Contract %(ref)s saved.") % {"ref": data["reference"]})
            return redirect("vendors:detail", pk=vendor.pk)
    messages.error(request, _("Please correct the errors below."))
    return _detail(request, pk, contract_form=form, status=400)


# --- a ticket and its vendor


def _ticket_page(request, ticket, *, forms=None, status=200):
    escalations = ticket_vendor_escalations(ticket_id=ticket.pk)
    current = next((escalation for escalation in escalations if escalation.is_open), None)
    can_act = can_escalate_to_vendor(request.user)
    context = {"ticket": ticket, "escalations": escalations, "current": current, "can_act": can_act}
    forms = forms or {}
    if can_act and current is None:
        context["escalate_form"] = forms.get("escalate") or VendorEscalateForm(
            action=reverse("vendors:ticket", args=[ticket.reference])
        )
    if can_act and current is not None:
        args = [current.pk]
        context["reference_form"] = forms.get("reference") or VendorReferenceForm(
            action=reverse("vendors:escalation-reference", args=args),
            initial={"vendor_reference": current.vendor_reference},
        )
        context["resolution_form"] = forms.get("resolution") or VendorResolutionForm(
            action=reverse("vendors:escalation-resolution", args=args)
        )
        context["close_form"] = forms.get("close") or VendorCloseForm(
            action=reverse("vendors:escalation-close", args=args)
        )
    return render(request, "vendors/ticket_vendor.html", context, status=status)


@require_http_methods(["GET", "POST"])
def ticket_vendor(request, reference):
    """A ticket's vendor escalations; Level III staff and supervisors take it to a vendor here."""
    _require_reader(request)
    ticket = ticket_get_for_user(user=request.user, reference=reference)
    if request.method == "GET":
        return _ticket_page(request, ticket)
    if not can_escalate_to_vendor(request.user):
        raise PermissionDenied
    form = VendorEscalateForm(request.POST, action=reverse("vendors:ticket", args=[ticket.reference]))
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.vendor_escalation_create(
                ticket_id=ticket.pk,
                by=request.user,
                vendor_id=data["vendor"].pk,
                contract_id=data["contract"].pk if data["contract"] else None,
                contact_id=data["contact"].pk if data["contact"] else None,
                vendor_reference=data["vendor_reference"],
                message=data["message"],
            )
        except VendorError as exc:
            form.add_error(None, exc.message)
            status = 403 if isinstance(exc, VendorNotAllowedError) else 409
        else:
            messages.success(
                request, _("%(ref)s taken to the vendor; it waits on them now.") % {"ref": ticket.reference}
            )
            return redirect("vendors:ticket", reference=ticket.reference)
    ticket.refresh_from_db()
    return _ticket_page(request, ticket, forms={"escalate": form}, status=status)


def _escalation_action(request, pk, *, key, form_class, url_name, perform, success):
    if not can_escalate_to_vendor(request.user):
        raise PermissionDenied
    escalation = VendorEscalation.objects.filter(pk=pk).select_related("ticket").first()
    if escalation is None:
        raise Http404
    ticket = ticket_get_for_user(user=request.user, reference=escalation.ticket.reference)
    form = form_class(request.POST, action=reverse(url_name, args=[pk])) if form_class else None
    status = 400
    if form is None or form.is_valid():
        try:
            perform(escalation, form.cleaned_data if form else {})
        except VendorError as exc:
            messages.error(request, exc.message)
            status = 409
        else:
            messages.success(request, success)
            return redirect("vendors:ticket", reference=ticket.reference)
    return _ticket_page(request, ticket, forms={key: form} if form else None, status=status)


@require_POST
def escalation_response(request, pk):
    return _escalation_action(
        request,
        pk,
        key="response",
        form_class=None,
        url_name="vendors:escalation-response",
        perform=lambda e, data: services.vendor_response_record(escalation_id=e.pk, by=request.user),
        success=_("The vendor's response is recorded."),
    )


@require_POST
def escalation_reference(request, pk):
    return _escalation_action(
        request,
        pk,
        key="reference",
        form_class=VendorReferenceForm,
        url_name="vendors:escalation-reference",
        perform=lambda e, data: services.vendor_reference_set(
            escalation_id=e.pk, by=request.user, vendor_reference=data["vendor_reference"]
        ),
        success=_("The vendor's reference is saved."),
    )


@require_POST
def escalation_resolution(request, pk):
    return _escalation_action(
        request,
        pk,
        key="resolution",
        form_class=VendorResolutionForm,
        url_name="vendors:escalation-resolution",
        perform=lambda e, data: services.vendor_resolution_record(
            escalation_id=e.pk, by=request.user, resolution=data["resolution"]
        ),
        success=_("The vendor's resolution is recorded."),
    )


@require_POST
def escalation_close(request, pk):
    return _escalation_action(
        request,
        pk,
        key="close",
        form_class=VendorCloseForm,
        url_name="vendors:escalation-close",
        perform=lambda e, data: services.vendor_escalation_close(
            escalation_id=e.pk, by=request.user, reason=data["reason"]
        ),
        success=_("The vendor escalation is closed; the ticket is open again."),
    )
