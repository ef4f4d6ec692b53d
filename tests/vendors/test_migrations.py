"""Upgrading: stored notification settings gain the vendor notices by email; open tickets
keep their queue indexes with the new status."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from notifications.models import NotificationPreference
from tests.factories import make_agent

pytestmark = pytest.mark.django_db(transaction=True)


def test_stored_email_lists_gain_the_vendor_notices(migrate, reference_data):
    agent, silent = make_agent(3), make_agent(3)
    old = migrate([("notifications", "0008_procurement_kinds")])
    Preference = old.get_model("notifications", "NotificationPreference")
    Preference.objects.create(user_id=agent.pk, email_kinds=["escalated", "vendor_replied"])
    Preference.objects.create(user_id=silent.pk, email_kinds=[])
    executor = MigrationExecutor(connection)
    executor.migrate([("notifications", "0009_vendors_kinds")])
    kinds = dict(NotificationPreference.objects.values_list("user_id", "email_kinds"))
    assert kinds[agent.pk] == ["escalated", "vendor_replied", "vendor_overdue"]
    assert kinds[silent.pk] == []
