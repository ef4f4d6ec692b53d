"""The alert endpoints against their own schema, posted to by the monitoring account (the
API's schemathesis run posts as people, who are refused): whatever schemathesis
generates, valid or not, is answered as documented and never with a server error, the
processing (run in the request here: Celery is eager) included."""

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from rest_framework.throttling import SimpleRateThrottle

from accounts.services import api_token_create
from alerts.services import monitoring_account
from tests.api.test_schemathesis import CHECKS, SEED

MAX_EXAMPLES = 25


@pytest.fixture
def alerts_schema(request, live_server, reference_data, monkeypatch):
    request.node._nodeid = request.node.nodeid
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": "100000/minute", "user": "100000/minute"})
    key = api_token_create(user=monitoring_account(), name="schemathesis")[1]
    config = schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "generation": {"deterministic": True, "database": "none"},
            "phases": {"stateful": {"enabled": False}},
        }
    )
    loaded = schemathesis.openapi.from_url(f"{live_server.url}/api/schema/?format=json", config=config)
    loaded.config.update(base_url=live_server.url, headers={"Authorization": f"Bearer {key}"})
    return loaded


# The filter goes on the lazy schema: the fixture's schema is cloned with this one's filters.
schema = schemathesis.pytest.from_fixture("alerts_schema").include(path_regex="^/api/v1/alerts/")


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture],
)
def test_the_alert_endpoints_answer_as_documented(case):
    case.call_and_validate(checks=CHECKS)
