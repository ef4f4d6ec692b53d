"""Pages of the procurement app: component reports on a ticket's page, the reports to
decide, procurement requests (list, new, detail with its steps, the printable form)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.selectors import agent_can_act_at
from tickets.selectors import ticket_get_for_user

from . import services
from .exceptions import ProcurementError, ProcurementForbidden
from .forms import (
    ApproveForm,
    ComponentReportForm,
    OrderForm,
    ProcurementFilterForm,
    ProcurementForm,
    ReasonForm,
    ReceiveForm,
    ReportDecisionForm,
)
from .models import ComponentReport, ProcurementRequest
from .rules import is_approver, is_staff, may_try, procurement_steps_for
from .selectors import (
    component_reports,
    procurement_get,
    procurement_list,
    procurement_waiting_for,
    requester_status_lines,
    ticket_component_reports,
)

PAGE_SIZE = 50
PRINT_LANGUAGES = ("en", "id")


def _staff_only(user) -> None:
    if not is_staff(user):
        raise PermissionDenied


def _refusal_status(error: ProcurementError) -> int:
    return 403 if isinstance(error, ProcurementForbidden) else 409


# --- on the ticket's page


def _panel_context(request, ticket, report_form=None) -> dict:
    reports = ticket_component_reports(ticket=ticket)
    staff = is_staff(request.user)
    may_report = staff and agent_can_act_at(request.user, ticket.level)
    return {
        "ticket": ticket,
        "staff": staff,
        "reports": reports if staff else [],
        "lines": [] if staff else requester_status_lines(reports),
        "form": report_form
        or (
            ComponentReportForm(
                action=reverse("procurement:report-file", kwargs={"reference": ticket.reference}),
                currency=settings.HELPDESK_CURRENCY,
            )
            if may_report
            else None
        ),
    }


@require_GET
def ticket_panel(request, reference):
    """The component reports of a ticket (HTMX, on its page): staff see them whole, with
    the form to file one; the requester only where a repair or replacement stands."""
    ticket = ticket_get_for_user(user=request.user, reference=reference)
    return render(request, "procurement/_ticket_panel.html", _panel_context(request, ticket))


@require_POST
def component_report_new(request, reference):
    ticket = ticket_get_for_user(user=request.user, reference=reference, write=True)
    if not (is_staff(request.user) and agent_can_act_at(request.user, ticket.level)):
        raise PermissionDenied
    form = ComponentReportForm(
        request.POST,
        action=reverse("procurement:report-file", kwargs={"reference": ticket.reference}),
        currency=settings.HELPDESK_CURRENCY,
    )
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.component_report_file(
                ticket_id=ticket.pk,
                by=request.user,
                asset_tag=data["asset_tag"],
                fault=data["fault"],
                recommendation=data["recommendation"],
                estimated_cost=data["estimated_cost"],
            )
        except ProcurementError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
            status = _refusal_status(error)
        else:
            messages.success(request, _("Component report filed; the supervisors are asked to decide."))
            return redirect(ticket)
    return render(request, "procurement/report_new.html", _panel_context(request, ticket, form), status=status)


# --- component reports to decide


@require_GET
def component_report_list(request):
    """For supervisors and administrators: the reports waiting for their decision, each
    with its form; for everyone on the staff: the latest reports."""
    _staff_only(request.user)
    approver = is_approver(request.user)
    waiting = list(component_reports(waiting_for=request.user)[:PAGE_SIZE]) if approver else []
    return render(
        request,
        "procurement/report_list.html",
        {
            "waiting": [
                (
                    report,
                    ReportDecisionForm(
                        action=reverse("procurement:report-decide", kwargs={"pk": report.pk}),
                        auto_id=f"id_%s_{report.pk}",
                        button_id=f"decide-{report.pk}-submit",
                    ),
                )
                for report in waiting
            ],
            "approver": approver,
            "latest": list(component_reports()[:PAGE_SIZE]),
        },
    )


@require_POST
def component_report_decide_view(request, pk):
    _staff_only(request.user)
    report = get_object_or_404(ComponentReport.objects.select_related("ticket", "asset", "reported_by"), pk=pk)
    if not is_approver(request.user):
        raise PermissionDenied
    form = ReportDecisionForm(request.POST, action=reverse("procurement:report-decide", kwargs={"pk": pk}))
    status = 400
    if form.is_valid():
        try:
            report = services.component_report_decide(
                report_id=report.pk,
                by=request.user,
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
            )
        except ProcurementError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
            status = _refusal_status(error)
        else:
            messages.success(request, _("Decision recorded: %(status)s.") % {"status": report.get_status_display()})
            if report.procurement_id:
                return redirect(report.procurement)
            return redirect("procurement:reports")
    return render(request, "procurement/report_decide.html", {"report": report, "form": form}, status=status)


# --- procurement requests


@require_GET
def procurement_list_page(request):
    """Procurement requests, filtered by status, requester, supplier and period; a page
    costs the same few queries whatever it holds."""
    _staff_only(request.user)
    people = list(
        get_user_model()
        .objects.filter(pk__in=ProcurementRequest.objects.values("requested_by"))
        .order_by("first_name", "username")
        .values_list("pk", "first_name", "last_name", "username")
    )
    choices = [(pk, f"{first} {last}".strip() or username) for pk, first, last, username in people]
    form = ProcurementFilterForm(request.GET or None, people=choices)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    requests = procurement_list(
        status=filters.get("status") or "",
        requested_by=filters.get("requested_by"),
        supplier=filters["supplier"].pk if filters.get("supplier") else None,
        since=filters.get("since"),
        until=filters.get("until"),
    )
    page = Paginator(requests, PAGE_SIZE).get_page(request.GET.get("page"))
    waiting = list(procurement_waiting_for(user=request.user)[:PAGE_SIZE]) if is_approver(request.user) else []
    return render(
        request,
        "procurement/procurement_list.html",
        {"form": form, "page": page, "waiting": waiting, "currency": settings.HELPDESK_CURRENCY},
    )


@require_http_methods(["GET", "POST"])
def procurement_new(request):
    _staff_only(request.user)
    form = ProcurementForm(request.POST or None, action=reverse("procurement:new"))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                created = services.procurement_create(
                    by=request.user,
                    items=data["items"],
                    reason=data["reason"],
                    budget_line=data["budget_line"],
                    ticket_references=ProcurementForm.split(data["tickets"]),
                    asset_tags=ProcurementForm.split(data["assets"]),
                    submit=not data["draft"],
                )
            except ProcurementError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
                status = _refusal_status(error)
            else:
                messages.success(request, _("%(ref)s saved.") % {"ref": created.reference})
                return redirect(created)
    return render(
        request,
        "procurement/procurement_new.html",
        {"form": form, "currency": settings.HELPDESK_CURRENCY},
        status=status,
    )


def _step_forms(procurement, user, bound: dict | None = None) -> dict:
    steps = procurement_steps_for(procurement, user)

    def action(step: str) -> str:
        return reverse(f"procurement:{step}", kwargs={"reference": procurement.reference})

    forms: dict = {}
    if "submit" in steps:
        forms["submit"] = action("submit")
    if "approve" in steps:
        second = procurement.status == "first_approved"
        forms["approve"] = ApproveForm(
            action=action("approve"), label=_("Give the second approval") if second else _("Approve")
        )
    if "reject" in steps:
        forms["reject"] = ReasonForm(action=action("reject"), label=_("Reject"), form_id="reject-form")
    if "order" in steps:
        forms["order"] = OrderForm(action=action("order"))
    if "receive" in steps:
        forms["receive"] = ReceiveForm(action=action("receive"), items=procurement.items.all())
    if "cancel" in steps:
        forms["cancel"] = ReasonForm(action=action("cancel"), label=_("Cancel the request"), form_id="cancel-form")
    forms.update(bound or {})
    return forms


def _detail(request, procurement, bound: dict | None = None, status: int = 200):
    return render(
        request,
        "procurement/procurement_detail.html",
        {
            "procurement": procurement,
            "forms": _step_forms(procurement, request.user, bound),
            "threshold": settings.HELPDESK_PROCUREMENT_SECOND_APPROVAL_AMOUNT,
        },
        status=status,
    )


@require_GET
def procurement_detail(request, reference):
    _staff_only(request.user)
    return _detail(request, procurement_get(user=request.user, reference=reference))


@require_GET
def procurement_print(request, reference):
    """The request as the office signs it, in English or Bahasa Indonesia whatever the
    reader's own language (``?language=id``), numbers and dates written that language's way."""
    _staff_only(request.user)
    procurement = procurement_get(user=request.user, reference=reference)
    language = request.GET.get("language") or translation.get_language() or settings.LANGUAGE_CODE
    language = language if language in PRINT_LANGUAGES else settings.LANGUAGE_CODE
    with translation.override(language):
        response = render(
            request,
            "procurement/procurement_print.html",
            {"procurement": procurement, "language": language, "languages": PRINT_LANGUAGES},
        )
    response["Content-Language"] = language
    return response


def _step(request, reference, step: str, form_class, call, form_kwargs):
    """Run one step of a request from its form; a refusal shows the page again with why."""
    _staff_only(request.user)
    procurement = procurement_get(user=request.user, reference=reference)
    if not may_try(procurement, request.user, step):
        raise PermissionDenied
    action = reverse(f"procurement:{step}", kwargs={"reference": procurement.reference})
    form = form_class(request.POST, action=action, **form_kwargs(procurement)) if form_class else None
    status = 400
    if form is None or form.is_valid():
        try:
            done = call(procurement, form)
        except ProcurementError as error:
            if form is None:
                messages.error(request, error.message)
            else:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            status = _refusal_status(error)
        else:
            messages.success(
                request, _("%(ref)s: %(status)s.") % {"ref": done.reference, "status": done.get_status_display()}
            )
            return redirect(done)
    procurement = procurement_get(user=request.user, reference=reference)
    return _detail(request, procurement, {step: form} if form else {}, status=status)


def _no_kwargs(procurement) -> dict:
    return {}


@require_POST
def procurement_submit_view(request, reference):
    return _step(
        request,
        reference,
        "submit",
        None,
        lambda p, form: services.procurement_submit(request_id=p.pk, by=request.user),
        form_kwargs=_no_kwargs,
    )


@require_POST
def procurement_approve_view(request, reference):
    return _step(
        request,
        reference,
        "approve",
        ApproveForm,
        lambda p, form: services.procurement_approve(
            request_id=p.pk, by=request.user, reason=form.cleaned_data["reason"]
        ),
        form_kwargs=_no_kwargs,
    )


@require_POST
def procurement_reject_view(request, reference):
    return _step(
        request,
        reference,
        "reject",
        ReasonForm,
        lambda p, form: services.procurement_reject(
            request_id=p.pk, by=request.user, reason=form.cleaned_data["reason"]
        ),
        form_kwargs=lambda p: {"label": _("Reject"), "form_id": "reject-form"},
    )


@require_POST
def procurement_order_view(request, reference):
    return _step(
        request,
        reference,
        "order",
        OrderForm,
        lambda p, form: services.procurement_order(
            request_id=p.pk,
            by=request.user,
            supplier_id=form.cleaned_data["supplier"].pk,
            order_reference=form.cleaned_data["order_reference"],
            expected_on=form.cleaned_data["expected_on"],
        ),
        form_kwargs=_no_kwargs,
    )


@require_POST
def procurement_receive_view(request, reference):
    return _step(
        request,
        reference,
        "receive",
        ReceiveForm,
        lambda p, form: services.procurement_receive(
            request_id=p.pk,
            by=request.user,
            receipts=form.receipts(),
            resolve_tickets=form.cleaned_data["resolve_tickets"],
            resolution=form.cleaned_data["resolution"],
        ),
        form_kwargs=lambda p: {"items": p.items.all()},
    )


@require_POST
def procurement_cancel_view(request, reference):
    return _step(
        request,
        reference,
        "cancel",
        ReasonForm,
        lambda p, form: services.procurement_cancel(
            request_id=p.pk, by=request.user, reason=form.cleaned_data["reason"]
        ),
        form_kwargs=lambda p: {"label": _("Cancel the request"), "form_id": "cancel-form"},
    )
