"""Settings saved before the asset expiry warning existed get it by email after the upgrade."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from notifications.models import NotificationPreference
from tests.factories import make_agent, make_supervisor

pytestmark = pytest.mark.django_db(transaction=True)


def test_stored_email_lists_gain_the_asset_expiry_warning(migrate, reference_data):
    supervisor, silent = make_supervisor(), make_agent(1)
    old = migrate([("notifications", "0009_vendors_kinds")])
    Preference = old.get_model("notifications", "NotificationPreference")
    Preference.objects.create(user_id=supervisor.pk, email_kinds=["sla_breach", "low_rating"])
    Preference.objects.create(user_id=silent.pk, email_kinds=[])
    executor = MigrationExecutor(connection)
    executor.migrate([("notifications", "0010_assets_kinds")])
    kinds = dict(NotificationPreference.objects.values_list("user_id", "email_kinds"))
    assert kinds[supervisor.pk] == ["sla_breach", "low_rating", "asset_expiring"]
    assert kinds[silent.pk] == []
    # And back: the kind leaves the lists again.
    executor = MigrationExecutor(connection)
    executor.migrate([("notifications", "0009_vendors_kinds")])
    assert dict(NotificationPreference.objects.values_list("user_id", "email_kinds"))[supervisor.pk] == [
        "sla_breach",
        "low_rating",
    ]
