from anymail.exceptions import AnymailConfigurationError
from anymail.webhooks.brevo import BrevoInboundWebhookView
from anymail.webhooks.mailjet import MailjetInboundWebhookView
from anymail.webhooks.postmark import PostmarkInboundWebhookView
from anymail.webhooks.sparkpost import SparkPostInboundWebhookView
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.views.decorators.csrf import csrf_exempt

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
