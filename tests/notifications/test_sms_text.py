import pytest
from django.conf import settings
from django.template.loader import get_template

from escalation.models import EscalationRule
from notifications.choices import ACCOUNT_KINDS, ADDRESS_KINDS, NotificationChannel, NotificationKind
from notifications.services.queue import _render
from notifications.sms.text import is_gsm7, sms_fit, sms_segments
from satisfaction.models import Rating
from sla.choices import SlaMetric, SlaThreshold
from sla.models import SlaEvent
from tests.factories import TicketFactory, make_agent
from tickets.models import Comment, Ticket

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("text", "segments"),
    [
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("€" * 80, 1),  # two septets each
        ("€" * 81, 2),
        ("ü" * 70 + "✓", 2),  # one non-GSM character makes it UCS-2
        ("✓" * 70, 1),
    ],
)
def test_segments(text, segments):
    assert sms_segments(text) == segments


def test_fit_makes_typography_plain_so_the_text_stays_gsm7():
    fitted = sms_fit("“Server” down — P1… it’s urgent")
    assert fitted == '"Server" down - P1... it\'s urgent'
    assert is_gsm7(fitted)


def test_fit_shortens_a_long_text_but_keeps_the_link_whole():
    link = "http://helpdesk.example/tickets/HD-000042/"
    fitted = sms_fit("word " * 200 + link, max_segments=2)
    assert fitted.endswith("... " + link)
    assert sms_segments(fitted) == 2


def test_fit_leaves_a_short_text_alone():
    assert sms_fit("P1 HD-000001 down http://x/") == "P1 HD-000001 down http://x/"


def _context(kind, ticket, agent):
    event = SlaEvent(
        ticket=ticket,
        metric=SlaMetric.RESOLUTION,
        threshold=SlaThreshold.BREACHED if kind == NotificationKind.SLA_BREACH else SlaThreshold.WARNING_1,
        due_at=ticket.created_at,
        level=ticket.level,
    )
    return {
        "event": event,
        "comment": Comment(ticket=ticket, author=agent, body="Restart the router, please."),
        "reason": "Still broken",
        # A merge names the duplicate (a long subject too) and the ticket it went into.
        "duplicate": Ticket(pk=ticket.pk + 1, subject="Printer “jammed” on the third floor again… " * 4),
        "rule": EscalationRule(name="P1 not taken in 15 minutes at Level I " * 3, level=1, trigger="not_taken"),
        "rating": Rating(ticket=ticket, score=1, comment="Nobody “called” back… " * 5, level=ticket.level),
    }


def _rendered(kind, channel, ticket, recipient, context):
    context = {
        **context,
        "ticket": ticket,
        "recipient": recipient,
        "ticket_url": settings.HELPDESK_BASE_URL + ticket.get_absolute_url(),
    }
    return _render(kind=kind, channel=channel, recipient=recipient, context=context)


@pytest.mark.parametrize("language", ["en", "id"])
@pytest.mark.parametrize(
    # The warning of an ending warranty or licence is about an asset, not a ticket (its text:
    # tests/assets/test_expiry.py).
    "kind",
    [
        kind
        for kind in NotificationKind.values
        if kind not in (*ACCOUNT_KINDS, *ADDRESS_KINDS, NotificationKind.ASSET_EXPIRING)
    ],
)
def test_every_kind_has_email_and_sms_text_in_each_language_and_the_sms_fits(kind, language):
    for name in (
        f"emails/{kind}_subject.txt",
        f"emails/{kind}_body.txt",
        f"emails/{kind}_body.html",
        f"sms/{kind}.txt",
    ):
        get_template(name)
    agent = make_agent(1, language=language)
    ticket = TicketFactory(subject="Printer on the third floor “jammed” — again… " * 4, priority=1)
    context = _context(kind, ticket, agent)
    sms = _rendered(kind, NotificationChannel.SMS, ticket, agent, context)
    assert ticket.reference in sms["body_text"]
    assert sms["body_text"].endswith(ticket.get_absolute_url())
    assert is_gsm7(sms["body_text"]), sms["body_text"]
    assert sms_segments(sms["body_text"]) <= 2, sms["body_text"]
    mail = _rendered(kind, NotificationChannel.EMAIL, ticket, agent, context)
    assert ticket.reference in mail["subject"]
    assert ticket.get_absolute_url() in mail["body_text"]
    assert ticket.get_absolute_url() in mail["body_html"]
