"""The problems admin reads: its list (searched and filtered) and a problem with its
incidents and history, for administrators; nobody adds or deletes one there."""

import pytest

from tests.api.permission_matrix import make_admin
from tests.factories import TicketFactory
from tests.problems.support import problem_with

pytestmark = pytest.mark.django_db


def test_administrators_read_problems_in_the_admin_and_cannot_add_or_delete(client):
    problem = problem_with(TicketFactory())
    client.force_login(make_admin())
    listed = client.get("/admin/problems/problem/", {"q": "VPN <x> & 🙂", "status__exact": "open"})
    assert listed.status_code == 200
    page = client.get(f"/admin/problems/problem/{problem.pk}/change/")
    assert page.status_code == 200 and "Reconnect the VPN" in page.content.decode()
    assert client.get("/admin/problems/problem/add/").status_code == 403
    assert client.post(f"/admin/problems/problem/{problem.pk}/delete/").status_code == 403
