"""Settings saved before tickets came back from snooze and reminders existed get both
by email in every stored list; a list emptied on purpose stays empty. SLA policies stored
before the per-wait pause choices keep pausing for the customer and the vendor, as before."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from notifications.models import NotificationPreference
from sla.models import SlaPolicy
from tests.factories import make_agent

pytestmark = pytest.mark.django_db(transaction=True)


def test_stored_lists_gain_the_snooze_and_reminder_mail(migrate, reference_data):
    busy, silent = make_agent(1), make_agent(2)
    old = migrate([("notifications", "0011_alert_page_kind")])
    Preference = old.get_model("notifications", "NotificationPreference")
    Preference.objects.create(user_id=busy.pk, email_kinds=["sla_breach"], sms_kinds=["escalated"])
    Preference.objects.create(user_id=silent.pk, email_kinds=[], sms_kinds=[])
    executor = MigrationExecutor(connection)
    executor.migrate([("notifications", "0012_follow_kinds")])
    kinds = {
        row[0]: row[1:] for row in NotificationPreference.objects.values_list("user_id", "email_kinds", "sms_kinds")
    }
    assert kinds[busy.pk] == (["sla_breach", "snooze_ended", "reminder"], ["escalated"])
    assert kinds[silent.pk] == ([], [])
    executor = MigrationExecutor(connection)
    executor.migrate([("notifications", "0011_alert_page_kind")])
    assert NotificationPreference.objects.get(user_id=busy.pk).email_kinds == ["sla_breach"]


def test_stored_policies_keep_pausing_while_pending_after_the_upgrade(migrate, reference_data):
    migrate([("sla", "0002_tables")])
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {SlaPolicy._meta.db_table}")  # noqa: S608 (the model's table)
        (stored,) = cursor.fetchone()
    assert stored >= 4
    executor = MigrationExecutor(connection)
    executor.migrate([("sla", "0003_follow_pause_choices")])
    policies = SlaPolicy.objects.values_list("pause_on_customer", "pause_on_vendor", "pause_on_third_party")
    assert len(policies) == stored and set(policies) == {(True, True, True)}
