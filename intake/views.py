"""Pages of the inbound channels: the quick form on which staff log a call or a chat, and
the endpoints mail providers and SMS gateways post to."""

import hashlib
import hmac
import json

from anymail.exceptions import AnymailConfigurationError
from anymail.webhooks.brevo import BrevoInboundWebhookView
from anymail.webhooks.mailjet import MailjetInboundWebhookView
from anymail.webhooks.postmark import PostmarkInboundWebhookView
from anymail.webhooks.sparkpost import SparkPostInboundWebhookView
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required, permission_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from accounts.services import requester_find_or_create
from tickets import services as ticket_services
from tickets.exceptions import TicketError
from tickets.models import Ticket

from .choices import SmsGateway
from .forms import Action, CallerSearchForm, LogContactForm
from .selectors import caller_get, caller_open_tickets, caller_search, caller_ticket
from .services import inbound_sms_receive

NEW_CALLER_FIELDS = {"name": "new_name", "email": "new_email", "phone": "new_phone"}


class _Refused(Exception):
    """Undo what the form did so far (a new caller) and show the form with this error."""

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


def _caller_json(person) -> dict:
    return {
        "id": person.pk,
        "name": str(person),
        "email": person.email,
        "phone": person.phone,
        "open_tickets": person.open_tickets,
    }


@require_GET
@permission_required("tickets.work_ticket", raise_exception=True)
def caller_lookup(request):
    """Callers matching what the agent typed: the list of choices (htmx), or JSON."""
    search = CallerSearchForm(request.GET)
    query = search.cleaned_data["q"] if search.is_valid() else ""
    found = list(caller_search(query=query))
    if request.headers.get("HX-Request") == "true":
        return render(request, "intake/_callers.html", {"callers": found, "query": query})
    return JsonResponse({"results": [_caller_json(person) for person in found]})


@require_GET
@permission_required("tickets.work_ticket", raise_exception=True)
def caller_tickets(request, pk: int):
    """A caller's open tickets, to add the call to one (htmx)."""
    caller = caller_get(pk=pk)
    tickets = caller_open_tickets(caller=caller) if caller is not None else []
    return render(request, "intake/_caller_tickets.html", {"caller": caller, "tickets": tickets})


def _log(*, agent, data) -> tuple[Ticket, str]:
    """File the ticket or add the comment, the new caller first, all in one go."""
    if data["caller"] is not None:
        caller = caller_get(pk=data["caller"])
        if caller is None:
            raise _Refused("caller", _("Choose the caller from the list, or give a new caller's name."))
    else:
        try:
            caller, _created = requester_find_or_create(
                name=data["new_name"], email=data["new_email"], phone=data["new_phone"]
            )
        except ValidationError as exc:
            field, message = next(iter(exc.message_dict.items()))
            raise _Refused(NEW_CALLER_FIELDS.get(field), message[0]) from None
    if data["action"] == Action.NEW:
        ticket = ticket_services.ticket_create(
            requester=caller,
            subject=data["subject"],
            description=data["text"],
            category=data["category"],
            impact=data["impact"],
            urgency=data["urgency"],
            channel=data["channel"],
            by=agent,
        )
        return ticket, _("Ticket %(ref)s filed for %(name)s.") % {"ref": ticket.reference, "name": caller}
    target = caller_ticket(caller=caller, reference=data["ticket"])
    if target is None:
        raise _Refused("ticket", _("That is not one of this caller's tickets."))
    internal = data["action"] == Action.NOTE
    ticket_services.comment_add(
        ticket_id=target.pk,
        author=agent if internal else caller,
        body=data["text"],
        internal=internal,
        channel=data["channel"],
        by=None if internal else agent,
    )
    return target, _("The call was added to %(ref)s.") % {"ref": target.reference}


@require_http_methods(["GET", "POST"])
@permission_required("tickets.work_ticket", raise_exception=True)
def log_contact(request):
    """The quick form: find or add the caller, then file a ticket or add to one."""
    search = CallerSearchForm(request.GET)
    query = search.cleaned_data["q"] if search.is_valid() else ""
    status = 200
    if request.method == "POST":
        form = LogContactForm(request.POST)
        if form.is_valid():
            try:
                with transaction.atomic():
                    ticket, message = _log(agent=request.user, data=form.cleaned_data)
            except _Refused as exc:
                form.add_error(exc.field, exc.message)
            except TicketError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, message)
                return redirect(ticket)
        status = 400
    else:
        form = LogContactForm(initial={"caller": request.GET.get("caller") or None})
    chosen = caller_get(pk=form["caller"].value())
    context = {
        "form": form,
        "search": search,
        "query": query,
        "callers": list(caller_search(query=query)) if query else [],
        "chosen": chosen,
        "tickets": caller_open_tickets(caller=chosen) if chosen is not None else [],
    }
    return render(request, "intake/log_contact.html", context, status=status)


# The providers whose inbound webhook anymail authenticates with the shared basic-auth
# secret alone (the others need a signing key of their own).
INBOUND_PROVIDERS = {
    "postmark": PostmarkInboundWebhookView.as_view(),
    "mailjet": MailjetInboundWebhookView.as_view(),
    "sparkpost": SparkPostInboundWebhookView.as_view(),
    "brevo": BrevoInboundWebhookView.as_view(),
}


@login_not_required
@csrf_exempt
def inbound_email(request: HttpRequest, provider: str) -> HttpResponse:
    """A provider posts a mail: anymail checks the basic-auth secret (a wrong one is a 400,
    as anymail answers) and parses it; the intake receiver records it. Absent (404) until
    the secret is set, so the endpoint is never open to anyone."""
    view = INBOUND_PROVIDERS.get(provider)
    if view is None or not settings.ANYMAIL.get("WEBHOOK_SECRET"):
        raise Http404
    try:
        return view(request)
    except (ValueError, KeyError, TypeError, AttributeError, IndexError, AnymailConfigurationError):
        # What the provider's payload could not be read as (anymail raises these as they come).
        return HttpResponseBadRequest("Not a mail this provider posts.", content_type="text/plain")


# The fields a gateway may post each part of a message as (form or JSON), first found wins.
SMS_FIELDS = {
    "from_number": ("from", "sender", "msisdn"),
    "to_number": ("to", "recipient"),
    "text": ("text", "message", "body"),
    "message_id": ("id", "message_id", "messageId"),
}


def _gateway_authentic(request: HttpRequest, secret: str) -> bool:
    """The shared secret as a Bearer token, or an HMAC-SHA256 of the body keyed with it
    (``X-Helpdesk-Signature: sha256=<hex>``); compared in constant time."""
    scheme, _space, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token:
        return hmac.compare_digest(token.strip().encode(), secret.encode())
    signature = request.headers.get("X-Helpdesk-Signature", "").strip()
    if signature.startswith("sha256="):
        expected = hmac.new(secret.encode(), request.body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(signature.removeprefix("sha256=").lower().encode(), expected.encode())
    return False


def _gateway_fields(request: HttpRequest) -> dict[str, str] | str:
    """The message's parts from a JSON object or a form; a string says what is wrong."""
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body)
        except (ValueError, UnicodeDecodeError):
            return _("The body is not JSON.")
        if not isinstance(data, dict):
            return _("Send one JSON object.")
    else:
        data = request.POST
    fields: dict[str, str] = {}
    for name, keys in SMS_FIELDS.items():
        value = next((data.get(key) for key in keys if data.get(key) is not None), "")
        if isinstance(value, bool) or not isinstance(value, str | int):
            return _("“%(field)s” must be text.") % {"field": name.removesuffix("_number")}
        fields[name] = str(value)
    if not fields["from_number"].strip():
        return _("Say who sent the message (“from”).")
    return fields


@login_not_required
@csrf_exempt
@require_POST
def inbound_sms(request: HttpRequest) -> HttpResponse:
    """An SMS gateway posts a message it received (form or JSON: from, to, text, id),
    authenticated by HELPDESK_SMS_INBOUND_SECRET; the answer is JSON with the text to send
    back (``reply``, empty for none). Absent (404) until the secret is set."""
    secret = settings.HELPDESK_SMS_INBOUND_SECRET
    if not secret:
        raise Http404
    if not _gateway_authentic(request, secret):
        return JsonResponse({"error": _("Not signed with the helpdesk's SMS secret.")}, status=401)
    fields = _gateway_fields(request)
    if isinstance(fields, str):
        return JsonResponse({"error": fields}, status=400)
    record = inbound_sms_receive(gateway=SmsGateway.GENERIC, **fields)
    return JsonResponse(
        {
            "outcome": record.outcome,
            "ticket": record.ticket.reference if record.ticket_id else None,
            "reply": record.answer,
        }
    )


@login_not_required
@csrf_exempt
@require_POST
def inbound_sms_twilio(request: HttpRequest) -> HttpResponse:
    """Twilio posts a message it received; its X-Twilio-Signature is checked with
    TWILIO_AUTH_TOKEN against the public address (HELPDESK_BASE_URL and this path). The
    answer is TwiML with the text to send back. Absent (404) without the token."""
    token = settings.TWILIO_AUTH_TOKEN
    if not token:
        raise Http404
    url = settings.HELPDESK_BASE_URL + request.get_full_path()
    if not RequestValidator(token).validate(url, request.POST, request.headers.get("X-Twilio-Signature", "")):
        return HttpResponse(_("Not signed by Twilio."), status=403, content_type="text/plain")
    if not request.POST.get("From", "").strip():
        return HttpResponse(_("Say who sent the message (“From”)."), status=400, content_type="text/plain")
    record = inbound_sms_receive(
        gateway=SmsGateway.TWILIO,
        message_id=request.POST.get("MessageSid", ""),
        from_number=request.POST.get("From", ""),
        to_number=request.POST.get("To", ""),
        text=request.POST.get("Body", ""),
    )
    twiml = MessagingResponse()
    if record.answer:
        twiml.message(record.answer)
    return HttpResponse(str(twiml), content_type="application/xml")
