"""What the API tests share: a client signed in as someone, and the one error shape."""

from rest_framework.test import APIClient


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def error(response) -> dict:
    """The body of an error answer, checked to be the documented shape for its status."""
    assert set(response.json()) == {"error"}, response.json()
    body = response.json()["error"]
    assert body["status"] == response.status_code
    assert body["message"]
    return body
