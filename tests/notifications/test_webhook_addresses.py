"""Where webhooks may go: refused as the endpoint is saved (the admin form and model
validation) and again at each send, after the name is resolved, connecting to the address
that was checked; redirects are never followed, and what a receiver writes back is never
shown."""

import socket
import ssl
import subprocess

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from notifications.admin import WebhookEndpointForm
from notifications.choices import NotificationChannel, NotificationStatus
from notifications.models import Notification, WebhookEndpoint
from tests.factories import make_requester, make_supervisor
from tests.fakes.webhook_receiver import WebhookReceiver
from tickets import services as ticket_services

pytestmark = pytest.mark.django_db

SECRET = "s3cret-for-tests"
NAME = "hooks.example.test"

REFUSED = [
    # loopback, in every spelling a resolver takes
    ("http://127.0.0.1/hooks", "loopback"),
    ("http://127.9.9.9:8080/hooks", "loopback"),
    ("http://127.1/hooks", "loopback"),
    ("http://2130706433/hooks", "loopback"),
    ("http://0x7f.1/hooks", "loopback"),
    ("http://0x7f000001/hooks", "loopback"),
    ("http://0177.0.0.1/hooks", "loopback"),
    ("http://[::1]/hooks", "loopback"),
    ("http://[::ffff:127.0.0.1]/hooks", "loopback"),
    ("http://[::ffff:7f00:1]/hooks", "loopback"),
    ("http://localhost:8000/hooks", "loopback"),
    ("https://api.LOCALHOST./hooks", "loopback"),
    # cloud metadata
    ("http://169.254.169.254/latest/meta-data/", "metadata"),
    ("http://2852039166/latest/meta-data/", "metadata"),
    ("http://[::ffff:169.254.169.254]/", "metadata"),
    ("http://[fd00:ec2::254]/latest/meta-data/", "metadata"),
    ("http://100.100.100.200/latest/meta-data/", "metadata"),
    # link-local
    ("http://169.254.10.20/", "link-local"),
    ("http://[fe80::1]/", "link-local"),
    # unspecified
    ("http://0.0.0.0/", "unspecified"),
    ("http://0/", "unspecified"),
    ("http://[::]/", "unspecified"),
    # multicast and reserved
    ("http://224.0.0.1/", "multicast"),
    ("http://[ff02::1]/", "multicast"),
    ("http://240.0.0.1/", "reserved"),
    ("http://255.255.255.255/", "reserved"),
    ("http://192.0.2.10/", "reserved"),
    ("http://[2002:7f00:1::]/", "reserved"),
    ("http://[64:ff9b::7f00:1]/", "reserved"),
    # private, refused by default
    ("http://10.1.2.3/hooks", "private"),
    ("http://172.16.0.1/hooks", "private"),
    ("http://172.31.255.254/hooks", "private"),
    ("http://192.168.1.10/hooks", "private"),
    ("http://100.64.0.1/hooks", "private"),
    ("http://[fc00::1]/hooks", "private"),
    ("http://[fd12:3456:789a::1]/hooks", "private"),
    ("http://[::ffff:10.0.0.1]/hooks", "private"),
]
ACCEPTED = [
    "https://hooks.example.com/helpdesk",
    "http://chat.example.org:8443/hooks?team=it",
    "https://93.184.215.14/hooks",
    "https://[2606:4700:4700::1111]/hooks",
    "https://172.32.0.1/hooks",
]


def form_for(url: str) -> WebhookEndpointForm:
    return WebhookEndpointForm(data={"name": "Chat bot", "url": url, "events": ["ticket.created"], "secret": SECRET})


@pytest.mark.parametrize(("url", "refusal"), REFUSED, ids=[url for url, _ in REFUSED])
def test_saving_an_endpoint_at_a_refused_address_is_refused_with_its_reason(url, refusal):
    form = form_for(url)

    assert not form.is_valid()
    assert form.has_error("url", code=refusal), form.errors
    endpoint = WebhookEndpoint(name="Chat bot", url=url, secret=SECRET)
    with pytest.raises(ValidationError) as refused:
        endpoint.full_clean()
    assert refusal in [error.code for error in refused.value.error_dict["url"]]


def test_the_refusal_names_the_address_and_its_class_in_the_person_s_language():
    [message] = [m for m in form_for("http://2130706433/hooks").errors["url"] if "127.0.0.1" in m]
    assert "2130706433 (127.0.0.1)" in message and "loopback" in message
    with translation.override("id"):
        [indonesian] = [m for m in form_for("http://2130706433/hooks").errors["url"] if "127.0.0.1" in m]
    assert "2130706433 (127.0.0.1)" in indonesian and indonesian != message


@pytest.mark.parametrize("url", ACCEPTED)
def test_public_addresses_are_accepted(url):
    form = form_for(url)
    assert form.is_valid(), form.errors


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("ftp://hooks.example.com/helpdesk", "scheme"),
        ("ftps://hooks.example.com/helpdesk", "scheme"),
        ("http://user:password@hooks.example.com/helpdesk", "credentials"),
        ("https://:token@hooks.example.com/helpdesk", "credentials"),
        ("https://hooks.example.com@127.0.0.1/helpdesk", "credentials"),
    ],
)
def test_only_http_and_https_addresses_without_credentials_are_accepted(url, code):
    assert form_for(url).has_error("url", code=code)
    with pytest.raises(ValidationError):
        WebhookEndpoint(name="Chat bot", url=url, secret=SECRET).full_clean()


def test_private_networks_are_accepted_when_allowed_and_internal_addresses_still_are_not(settings):
    settings.HELPDESK_WEBHOOK_ALLOW_PRIVATE = True

    for url in ("http://10.1.2.3/", "http://192.168.1.10/", "http://172.16.0.1/", "http://100.64.0.1/"):
        assert form_for(url).is_valid(), url
    assert form_for("http://[fd12:3456:789a::1]/").is_valid()
    assert form_for("http://127.0.0.1/").has_error("url", code="loopback")
    assert form_for("http://169.254.169.254/").has_error("url", code="metadata")
    assert form_for("http://[fd00:ec2::254]/").has_error("url", code="metadata")
    assert form_for("http://100.100.100.200/").has_error("url", code="metadata")


def test_allowed_networks_let_chosen_addresses_through_but_never_a_metadata_service(settings):
    settings.HELPDESK_WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.1/32", "169.254.0.0/16", "0.0.0.0/0"]

    assert form_for("http://127.0.0.1:9000/hooks").is_valid()
    assert form_for("http://169.254.1.1/hooks").is_valid()
    assert form_for("http://169.254.169.254/").has_error("url", code="metadata")
    assert form_for("http://0.0.0.0/").has_error("url", code="unspecified")
    assert form_for("http://224.0.0.1/").has_error("url", code="multicast")
    assert form_for("http://[::1]/").has_error("url", code="loopback")


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/",
        "",
        "http://[::1",
        "http://exa mple.com/",
        "https://hooks.example.com/\r\nX-Injected: 1",
        "https://hooks.example.com/\u2603-\U0001f525-' \" < > &",
        "https://" + "\u00e9" * 250 + ".example/",
        "https://hooks.example.com/" + "a" * 600,
    ],
    ids=["metadata", "empty", "bracket", "space", "crlf", "emoji", "unicode-250", "huge"],
)
def test_the_admin_form_refuses_a_bad_address_without_saving_anything(admin_client, url):
    response = admin_client.post(
        "/admin/notifications/webhookendpoint/add/",
        {"name": "Chat bot", "url": url, "events": ["ticket.created"], "secret": SECRET, "is_active": "on"},
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["url"]
    assert not WebhookEndpoint.objects.exists()


def test_the_admin_form_shows_why_an_address_is_refused(admin_client):
    response = admin_client.post(
        "/admin/notifications/webhookendpoint/add/",
        {"name": "Chat bot", "url": "http://169.254.169.254/latest/meta-data/", "secret": SECRET},
    )

    assert "169.254.169.254 is a cloud metadata service" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


# --- at send time: a real receiver on 127.0.0.1, reached (or not) by a real POST


@pytest.fixture
def receiver():
    hook = WebhookReceiver(secret=SECRET)
    yield hook
    hook.stop()


def registered(url: str) -> WebhookEndpoint:
    """An endpoint saved without the form's check (before this version, or by a script)."""
    return WebhookEndpoint.objects.create(name="Chat bot", url=url, secret=SECRET, events=["ticket.created"])


def file_ticket(capture):
    with capture(execute=True):
        ticket_services.ticket_create(
            requester=make_requester(), subject="Core switch down", description="Floor 3", urgency="high"
        )
    return Notification.objects.get(channel=NotificationChannel.WEBHOOK)


@pytest.fixture
def resolver(monkeypatch):
    """Names of the tests' own, resolved to the addresses a test gives them; each look-up
    is counted. Every other name goes to the system's resolver."""
    real = socket.getaddrinfo
    names: dict[str, list[list[str]]] = {}
    asked: list[str] = []

    def getaddrinfo(host, port, *args, **kwargs):
        if isinstance(host, bytes):
            host = host.decode()
        if host not in names:
            return real(host, port, *args, **kwargs)
        asked.append(host)
        answers = names[host]
        addresses = answers.pop(0) if len(answers) > 1 else answers[0]
        found = []
        for address in addresses:
            family = socket.AF_INET6 if ":" in address else socket.AF_INET
            where = (address, port, 0, 0) if family == socket.AF_INET6 else (address, port)
            found.append((family, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", where))
        return found

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)

    class Resolver:
        def answer(self, name: str, *answers: list[str]) -> None:
            """The addresses of ``name``: the first list at the first look-up, and so on;
            the last list from then on."""
            names[name] = list(answers)

        def asked(self, name: str) -> int:
            return asked.count(name)

    return Resolver()


@pytest.mark.parametrize(
    "spelling",
    ["127.0.0.1", "127.1", "2130706433", "0x7f.1", "0x7f000001", "[::ffff:127.0.0.1]", "localhost"],
)
def test_a_loopback_receiver_saved_earlier_is_refused_at_send_time(
    receiver, django_capture_on_commit_callbacks, spelling
):
    registered(f"http://{spelling}:{receiver.port}/hooks/helpdesk")

    row = file_ticket(django_capture_on_commit_callbacks)

    assert row.status == NotificationStatus.FAILED
    assert "loopback" in row.last_error
    assert receiver.requests == []


def test_a_name_that_resolves_to_loopback_is_refused_at_send_time(
    receiver, resolver, django_capture_on_commit_callbacks
):
    resolver.answer(NAME, ["127.0.0.1"])
    endpoint = registered(f"http://{NAME}:{receiver.port}/hooks/helpdesk")
    WebhookEndpoint.objects.get(pk=endpoint.pk).full_clean()  # a name passes the check as it is saved

    row = file_ticket(django_capture_on_commit_callbacks)

    assert row.status == NotificationStatus.FAILED
    assert f"{NAME} (127.0.0.1) is this server itself" in row.last_error
    assert receiver.requests == []


def test_a_name_with_one_refused_address_among_others_is_refused(
    receiver, resolver, settings, django_capture_on_commit_callbacks
):
    settings.HELPDESK_WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    resolver.answer(NAME, ["127.0.0.1", "127.0.0.2"])
    registered(f"http://{NAME}:{receiver.port}/hooks/helpdesk")

    row = file_ticket(django_capture_on_commit_callbacks)

    assert row.status == NotificationStatus.FAILED
    assert "127.0.0.2" in row.last_error
    assert receiver.requests == []


def test_the_send_connects_to_the_address_it_checked_with_the_name_as_host(
    receiver, resolver, settings, django_capture_on_commit_callbacks
):
    """A DNS answer that changes after the check (rebinding) is never asked for: the name
    is resolved once, and the connection goes to that address."""
    settings.HELPDESK_WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    # The first look-up gets the allowed address, any later one another receiver on
    # the same port.
    elsewhere = WebhookReceiver(secret=SECRET, host="127.0.0.2", port=receiver.port)
    try:
        resolver.answer(NAME, ["127.0.0.1"], ["127.0.0.2"])
        registered(f"http://{NAME}:{receiver.port}/hooks/helpdesk")
        row = file_ticket(django_capture_on_commit_callbacks)
        assert elsewhere.requests == []
    finally:
        elsewhere.stop()

    assert row.status == NotificationStatus.SENT
    [received] = receiver.received
    assert received.signature_ok
    assert received.host == f"{NAME}:{receiver.port}"
    assert resolver.asked(NAME) == 1


def certificate_for(name: str, folder) -> ssl.SSLContext:
    """A server context with a new self-signed certificate for ``name``, which the
    webhook sender is told to trust (REQUESTS_CA_BUNDLE, read as for any request)."""
    key, cert = folder / f"{name}.key", folder / f"{name}.pem"
    subprocess.run(  # noqa: S603 - fixed arguments
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        + ["-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", f"/CN={name}"]
        + ["-addext", f"subjectAltName=DNS:{name}"],
        check=True,
        capture_output=True,
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context


@pytest.mark.parametrize("certified", [NAME, "other.example.test"])
def test_over_https_the_name_goes_in_sni_and_is_what_the_certificate_must_prove(
    resolver, settings, monkeypatch, tmp_path, django_capture_on_commit_callbacks, certified
):
    settings.HELPDESK_WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    resolver.answer(NAME, ["127.0.0.1"])
    context = certificate_for(certified, tmp_path)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path / f"{certified}.pem"))
    asked_for: list[str | None] = []
    context.sni_callback = lambda _socket, name, _context: asked_for.append(name)
    receiver = WebhookReceiver(secret=SECRET, tls=context)
    try:
        registered(f"https://{NAME}:{receiver.port}/hooks/helpdesk")
        row = file_ticket(django_capture_on_commit_callbacks)
    finally:
        receiver.stop()

    assert asked_for == [NAME]
    assert resolver.asked(NAME) == 1
    if certified == NAME:
        assert row.status == NotificationStatus.SENT
        [received] = receiver.received
        assert (received.host, received.signature_ok) == (f"{NAME}:{receiver.port}", True)
    else:  # a certificate for another name than the endpoint's is not enough
        assert row.status == NotificationStatus.FAILED
        assert "certificate" in row.last_error.lower()
        assert receiver.received == []


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_is_never_followed_and_the_signature_never_sent_on(
    settings, django_capture_on_commit_callbacks, client, status
):
    settings.HELPDESK_WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    target = WebhookReceiver(secret=SECRET)
    redirecting = WebhookReceiver(secret=SECRET, answer=status, location=target.url)
    try:
        registered(redirecting.url)
        row = file_ticket(django_capture_on_commit_callbacks)
        assert target.requests == []
        [sent] = redirecting.received
        assert sent.signature_ok
    finally:
        redirecting.stop()
        target.stop()

    assert row.status == NotificationStatus.FAILED
    assert f"HTTP {status}" in row.last_error and "redirect" in row.last_error
    client.force_login(make_supervisor())
    page = client.get("/notifications/").content.decode()
    assert f"HTTP {status}" in page
    assert target.url not in page


MARKER = "RECEIVER-SAYS-internal-db-password=hunter2"


@pytest.mark.parametrize("status", [200, 404, 500])
def test_what_the_receiver_writes_back_is_never_kept_nor_shown(
    receiver, settings, django_capture_on_commit_callbacks, client, status
):
    settings.HELPDESK_WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    receiver.answer = status
    receiver.answer_body = f"{MARKER} <b>'\"&</b> \U0001f525".encode()
    registered(receiver.url)

    row = file_ticket(django_capture_on_commit_callbacks)

    assert MARKER not in row.last_error and MARKER not in row.provider_id
    client.force_login(make_supervisor())
    page = client.get("/notifications/", {"status": row.status}).content.decode()
    assert MARKER not in page
    if status == 200:
        assert (row.status, row.provider_id) == (NotificationStatus.SENT, "HTTP 200")
    else:
        assert row.status == NotificationStatus.FAILED
        assert f"HTTP {status}" in page


def test_the_reason_of_a_failed_answer_is_translated(receiver, settings, django_capture_on_commit_callbacks):
    settings.HELPDESK_WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    receiver.answer = 503
    registered(receiver.url)

    with translation.override("id"):
        row = file_ticket(django_capture_on_commit_callbacks)

    assert "HTTP 503" in row.last_error
    assert "The receiver answered" not in row.last_error
