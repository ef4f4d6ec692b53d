"""Settings saved before the monitoring alert page existed get it after the upgrade: by
email in every stored list, by SMS where supervisor pages come by SMS."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from notifications.models import NotificationPreference
from tests.factories import make_agent, make_supervisor

pytestmark = pytest.mark.django_db(transaction=True)


def test_stored_lists_gain_the_alert_page(migrate, reference_data):
    supervisor, texted, silent = make_supervisor(), make_agent(2), make_agent(1)
    old = migrate([("notifications", "0010_assets_kinds")])
    Preference = old.get_model("notifications", "NotificationPreference")
    Preference.objects.create(user_id=supervisor.pk, email_kinds=["sla_breach"], sms_kinds=["escalated"])
    Preference.objects.create(user_id=texted.pk, email_kinds=["sla_breach"], sms_kinds=["supervisor_page"])
    Preference.objects.create(user_id=silent.pk, email_kinds=[], sms_kinds=[])
    executor = MigrationExecutor(connection)
    executor.migrate([("notifications", "0011_alert_page_kind")])
    kinds = {
        row[0]: row[1:] for row in NotificationPreference.objects.values_list("user_id", "email_kinds", "sms_kinds")
    }
    assert kinds[supervisor.pk] == (["sla_breach", "alert_page"], ["escalated"])
    assert kinds[texted.pk] == (["sla_breach", "alert_page"], ["supervisor_page", "alert_page"])
    assert kinds[silent.pk] == ([], [])
    executor = MigrationExecutor(connection)
    executor.migrate([("notifications", "0010_assets_kinds")])
    kinds = {
        row[0]: row[1:] for row in NotificationPreference.objects.values_list("user_id", "email_kinds", "sms_kinds")
    }
    assert kinds[texted.pk] == (["sla_breach"], ["supervisor_page"])
