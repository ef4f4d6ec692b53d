"""Settings saved before the low-rating alert existed get it by email after the upgrade."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from notifications.models import NotificationPreference
from tests.factories import make_agent, make_supervisor

pytestmark = pytest.mark.django_db(transaction=True)


def test_stored_email_lists_gain_the_low_rating_alert(migrate, reference_data):
    supervisor, agent, silent = make_supervisor(), make_agent(1), make_agent(1)
    old = migrate([("notifications", "0006_low_rating_kind")])
    Preference = old.get_model("notifications", "NotificationPreference")
    Preference.objects.create(user_id=supervisor.pk, email_kinds=["sla_breach", "supervisor_page"])
    Preference.objects.create(user_id=agent.pk, email_kinds=["escalated", "low_rating"])
    Preference.objects.create(user_id=silent.pk, email_kinds=[])
    executor = MigrationExecutor(connection)
    executor.migrate([("notifications", "0007_low_rating_for_existing_settings")])
    kinds = dict(NotificationPreference.objects.values_list("user_id", "email_kinds"))
    assert kinds[supervisor.pk] == ["sla_breach", "supervisor_page", "low_rating"]
    assert kinds[agent.pk] == ["escalated", "low_rating"]
    assert kinds[silent.pk] == []
