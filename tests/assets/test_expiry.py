import datetime

import pytest
from django.db import connection
from django.template.loader import get_template
from django.test.utils import CaptureQueriesContext

from assets.models import AssetExpiryWarning
from assets.services import asset_expiry_warn
from notifications.choices import NotificationChannel, NotificationKind
from notifications.models import Notification
from notifications.services.queue import _render
from notifications.sms.text import is_gsm7, sms_segments
from tests.assets.support import make_asset
from tests.factories import make_agent, make_requester, make_supervisor

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 3)


def days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


def test_supervisors_hear_once_of_each_warranty_and_licence_ending_within_the_window(settings):
    settings.HELPDESK_ASSET_EXPIRY_WARNING_DAYS = 30
    dewi, _other = make_supervisor(), make_supervisor()
    make_agent(1)  # agents are not told
    make_asset("LAP-1", warranty_ends_on=days(10))
    make_asset("LAP-2", warranty_ends_on=days(31))  # not yet
    make_asset("LAP-3", warranty_ends_on=days(-1))  # already over
    make_asset("LAP-4", warranty_ends_on=days(5), status="retired")  # nobody cares any more
    make_asset("LIC-1", asset_type="licence", seats_owned=10, seats_used=3, licence_expires_on=days(20))
    assert asset_expiry_warn(today=TODAY) == 2
    rows = Notification.objects.filter(kind=NotificationKind.ASSET_EXPIRING, channel=NotificationChannel.EMAIL)
    assert rows.count() == 4  # two assets, two supervisors
    assert {row.recipient_id for row in rows} >= {dewi.pk}
    assert any("LIC-1" in row.subject and "expires" in row.subject for row in rows)
    assert any("/assets/LAP-1/" in row.body_text for row in rows)
    # Again the same day: nothing more. The next day only LAP-2 has come within the 30 days.
    assert asset_expiry_warn(today=TODAY) == 0
    assert asset_expiry_warn(today=days(1)) == 1
    assert Notification.objects.filter(kind=NotificationKind.ASSET_EXPIRING).count() == 6


def test_a_new_date_is_a_new_warning():
    make_supervisor()
    asset = make_asset("LAP-1", warranty_ends_on=days(10))
    asset_expiry_warn(today=TODAY)
    asset.warranty_ends_on = days(20)  # the warranty was extended, and will end again
    asset.save()
    assert asset_expiry_warn(today=TODAY) == 1
    assert AssetExpiryWarning.objects.count() == 2


def test_the_check_is_a_constant_number_of_statements_whatever_the_inventory():
    for n in range(40):
        make_asset(f"LAP-{n}", warranty_ends_on=days(n % 60))
    with CaptureQueriesContext(connection) as queries:
        asset_expiry_warn(today=TODAY)
    # No supervisor: claims per kind, one read of the claimed assets, no loop over assets.
    assert len(queries) <= 8, [q["sql"][:80] for q in queries]


@pytest.mark.parametrize("language", ["en", "id"])
@pytest.mark.parametrize("what", ["warranty", "licence"])
def test_the_warning_reads_well_in_each_language_and_the_sms_fits(language, what, settings):
    for name in (
        "emails/asset_expiring_subject.txt",
        "emails/asset_expiring_body.txt",
        "emails/asset_expiring_body.html",
    ):
        get_template(name)
    person = make_supervisor(language=language)
    asset = make_asset(
        "LIC-9" if what == "licence" else "LAP-9",
        name='Kantor "pusat" <lantai 3> & 🙂',
        user=make_requester(first_name="Rina"),
        asset_type="licence" if what == "licence" else "laptop",
    )
    context = {
        "asset": asset,
        "what": what,
        "expires_on": days(1),
        "days_left": 1,
        "asset_url": settings.HELPDESK_BASE_URL + asset.get_absolute_url(),
        "recipient": person,
        "ticket": None,
    }
    sms = _render(
        kind=NotificationKind.ASSET_EXPIRING, channel=NotificationChannel.SMS, recipient=person, context=context
    )
    assert asset.tag in sms["body_text"] and sms["body_text"].endswith(asset.get_absolute_url())
    assert is_gsm7(sms["body_text"]) and sms_segments(sms["body_text"]) <= 2
    mail = _render(
        kind=NotificationKind.ASSET_EXPIRING, channel=NotificationChannel.EMAIL, recipient=person, context=context
    )
    assert asset.tag in mail["subject"]
    assert 'Kantor "pusat" <lantai 3> & 🙂' in mail["body_text"]
    assert "Kantor &quot;pusat&quot; &lt;lantai 3&gt; &amp; 🙂" in mail["body_html"]
    assert asset.get_absolute_url() in mail["body_html"]
