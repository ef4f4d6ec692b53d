import pytest

from notifications.choices import NotificationKind
from notifications.models import NotificationPreference
from tests.factories import make_agent, make_requester, make_supervisor

pytestmark = pytest.mark.django_db

URL = "/notifications/preferences/"


def test_staff_see_a_channel_for_every_kind_with_the_defaults_ticked(client):
    client.force_login(make_agent(1, phone="+6281200000002"))
    response = client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="channel-grid"' in page
    assert 'id="email-sla_warning" checked' in page
    assert 'id="sms-sla_breach" checked' in page
    assert 'id="sms-sla_warning">' in page  # not ticked by default
    assert 'data-testid="no-phone"' not in page


def test_staff_without_a_phone_are_told_sms_cannot_reach_them(client):
    client.force_login(make_supervisor())
    assert 'data-testid="no-phone"' in client.get(URL).content.decode()


def test_saving_the_choices(client):
    agent = make_agent(1)
    client.force_login(agent)
    response = client.post(
        URL,
        {
            "email_kinds": [NotificationKind.SLA_BREACH, NotificationKind.ESCALATED],
            "sms_kinds": [NotificationKind.SLA_WARNING],
            "sms_max_priority": "4",
            "quiet_start": "22:00",
            "quiet_end": "06:30",
        },
    )
    assert response.status_code == 302
    preference = NotificationPreference.objects.get(user=agent)
    assert sorted(preference.email_kinds) == ["escalated", "sla_breach"]
    assert preference.sms_kinds == ["sla_warning"]
    assert preference.sms_max_priority == 4
    assert (preference.quiet_start.isoformat(), preference.quiet_end.isoformat()) == ("22:00:00", "06:30:00")
    assert preference.essential_email_only is False
    page = client.get(URL).content.decode()
    assert 'id="sms-sla_warning" checked' in page
    assert 'id="email-sla_warning">' in page


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"quiet_start": "22:00"}, "quiet_end", "both the start and the end"),
        ({"quiet_end": "06:00"}, "quiet_start", "both the start and the end"),
        ({"quiet_start": "22:00", "quiet_end": "22:00"}, "quiet_end", "another time"),
        ({"quiet_start": "25:00", "quiet_end": "06:00"}, "quiet_start", "Enter a valid time"),
        ({"sms_kinds": ["not_a_kind"]}, "sms_kinds", "Select a valid choice"),
        ({"sms_max_priority": "9"}, "sms_max_priority", "Select a valid choice"),
    ],
)
def test_bad_input_is_explained_and_nothing_is_saved(client, data, field, message):
    agent = make_agent(1)
    client.force_login(agent)
    response = client.post(URL, {"sms_max_priority": "2", **data})
    assert response.status_code == 400
    assert message in str(response.context["form"].errors[field])
    assert message in response.content.decode()
    assert not NotificationPreference.objects.filter(user=agent).exists()


def test_a_requester_only_chooses_about_mail_on_their_own_tickets(client):
    requester = make_requester(phone="+6281200000001")
    client.force_login(requester)
    page = client.get(URL).content.decode()
    assert 'data-testid="channel-grid"' not in page
    assert "quiet_start" not in page
    assert 'name="essential_email_only"' in page
    # Staff-only fields sent anyway are ignored.
    response = client.post(URL, {"essential_email_only": "on", "sms_kinds": ["sla_breach"], "sms_max_priority": "4"})
    assert response.status_code == 302
    preference = NotificationPreference.objects.get(user=requester)
    assert preference.essential_email_only is True
    assert preference.sms_max_priority == 2


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
