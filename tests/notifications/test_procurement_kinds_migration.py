"""Settings saved before the procurement notifications existed get them by email after the upgrade."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from notifications.models import NotificationPreference
from tests.factories import make_agent, make_supervisor

pytestmark = pytest.mark.django_db(transaction=True)

NEW = ["component_report", "component_report_decided", "procurement_approval", "procurement_decided"]


def test_stored_email_lists_gain_the_procurement_notifications(migrate, reference_data):
    supervisor, agent, silent = make_supervisor(), make_agent(1), make_agent(1)
    old = migrate([("notifications", "0007_low_rating_for_existing_settings")])
    Preference = old.get_model("notifications", "NotificationPreference")
    Preference.objects.create(user_id=supervisor.pk, email_kinds=["sla_breach", "low_rating"])
    Preference.objects.create(user_id=agent.pk, email_kinds=["escalated", "procurement_decided"])
    Preference.objects.create(user_id=silent.pk, email_kinds=[])
    executor = MigrationExecutor(connection)
    executor.migrate([("notifications", "0008_procurement_kinds")])
    kinds = dict(NotificationPreference.objects.values_list("user_id", "email_kinds"))
    assert kinds[supervisor.pk] == ["sla_breach", "low_rating", *NEW]
    assert kinds[agent.pk] == ["escalated", "procurement_decided", *NEW[:3]]
    assert kinds[silent.pk] == []
