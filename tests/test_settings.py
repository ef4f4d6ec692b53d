"""Settings read every variable through one django-environ reader; `.env.example` and the
README's configuration table list exactly what settings read, with the defaults."""

import ast
import re
import runpy
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = ROOT / "helpdesk" / "settings.py"
ENV_EXAMPLE = ROOT / ".env.example"
README = ROOT / "README.md"
# The reader's methods that read one variable (the name is their first argument).
READERS = {"str", "bool", "int", "float", "list", "tuple", "dict", "json", "url", "db_url", "cache_url", "path"}
# Where .env.example lists the variables that docker-compose.yml and gunicorn.conf.py read.
COMPOSE_SECTION = "# --- docker-compose.yml"
ASSIGNMENT = re.compile(r"^(?:# )?([A-Z][A-Z0-9_]*)=(.*)$")


def variables_settings_read() -> set[str]:
    """The names settings.py passes to the reader, from its syntax tree."""
    tree = ast.parse(SETTINGS.read_text(), str(SETTINGS))
    names = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        function = node.func
        direct = isinstance(function, ast.Name) and function.id == "env"
        method = (
            isinstance(function, ast.Attribute)
            and isinstance(function.value, ast.Name)
            and function.value.id == "env"
            and function.attr in READERS
        )
        if direct or method:
            (name, *_rest) = node.args
            assert isinstance(name, ast.Constant) and isinstance(name.value, str), ast.unparse(node)
            names.add(name.value)
    return names


@dataclass(frozen=True)
class Example:
    name: str
    value: str
    comment: str
    required: bool
    section: str


def examples() -> list[Example]:
    found = []
    lines = ENV_EXAMPLE.read_text().splitlines()
    section = ""
    for number, line in enumerate(lines):
        if line.startswith("# --- "):
            section = line
        match = ASSIGNMENT.match(line)
        if match:
            comment = lines[number - 1] if number else ""
            found.append(
                Example(
                    name=match[1],
                    value=match[2],
                    comment=comment,
                    required=comment.startswith("# Required in production"),
                    section=section,
                )
            )
    return found


def settings_examples() -> list[Example]:
    return [example for example in examples() if not example.section.startswith(COMPOSE_SECTION)]


def test_settings_read_the_environment_only_through_the_reader():
    tree = ast.parse(SETTINGS.read_text(), str(SETTINGS))
    reads = [
        ast.unparse(node)
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "os"
        and node.attr in {"environ", "getenv", "environb"}
    ]
    # Once, to hand the reader the environment.
    assert reads == ["os.environ"]
    assert len(variables_settings_read()) > 50


def test_env_example_lists_every_variable_settings_read_and_no_other():
    listed = [example.name for example in settings_examples()]
    read = variables_settings_read()

    assert sorted(read - set(listed)) == [], "read by settings, missing from .env.example"
    assert sorted(set(listed) - read) == [], "in .env.example, never read by settings"
    assert len(listed) == len(set(listed)), "listed once"


def test_each_variable_in_env_example_has_a_comment_line_of_its_own():
    uncommented = [
        example.name
        for example in examples()
        if not example.comment.startswith("# ") or ASSIGNMENT.match(example.comment)
    ]
    assert uncommented == []


def test_env_example_marks_what_production_requires():
    required = {example.name for example in settings_examples() if example.required}

    assert {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "CELERY_BROKER_URL"} <= required
    # Left empty, so docker compose stops on a required one nobody filled in.
    assert [example.name for example in examples() if example.required and example.value] == []


def test_the_readme_documents_every_variable_settings_and_compose_read():
    readme = README.read_text()
    table = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    documented = set()
    for row in table.splitlines():
        if row.startswith("| `"):
            documented |= set(re.findall(r"`([A-Z][A-Z0-9_]*)`", row.split("|")[1]))

    assert sorted(variables_settings_read() - documented) == []
    assert sorted({example.name for example in examples()} - documented) == []


def settings_with(monkeypatch, tmp_path, **environment: str) -> dict:
    for name in variables_settings_read():
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("HELPDESK_VAR_DIR", str(tmp_path))
    return {name: value for name, value in runpy.run_path(str(SETTINGS)).items() if name.isupper()}


def test_the_defaults_env_example_shows_are_the_defaults_settings_use(monkeypatch, tmp_path):
    shown = {example.name: example.value for example in settings_examples()}
    assert shown["HELPDESK_ATTACHMENT_EXTENSIONS"].startswith("pdf,png")

    with_example = settings_with(monkeypatch, tmp_path, **shown)
    with_nothing = settings_with(monkeypatch, tmp_path)

    assert with_example == with_nothing


def test_an_empty_variable_counts_as_unset(monkeypatch, tmp_path):
    empty = settings_with(
        monkeypatch, tmp_path, DEBUG="", SECRET_KEY="", ALLOWED_HOSTS="", SMS_HTTP_HEADERS="", EMAIL_PORT=""
    )

    assert empty["DEBUG"] is True
    assert empty["ALLOWED_HOSTS"] == ["localhost", "127.0.0.1", "[::1]"]
    assert empty["SMS_HTTP_HEADERS"] == {}
    assert empty["EMAIL_PORT"] == 25


@pytest.mark.parametrize(
    ("written", "expected"), [("1", True), ("true", True), ("on", True), ("0", False), ("no", False)]
)
def test_switches_read_the_usual_spellings(monkeypatch, tmp_path, written, expected):
    assert settings_with(monkeypatch, tmp_path, EMAIL_USE_TLS=written)["EMAIL_USE_TLS"] is expected


def test_variables_are_typed_as_settings_use_them(monkeypatch, tmp_path):
    read = settings_with(
        monkeypatch,
        tmp_path,
        DEBUG="0",
        SECRET_KEY="k" * 50,
        ALLOWED_HOSTS=" helpdesk.example.com , other.example.com,, ",
        HELPDESK_ATTACHMENT_EXTENSIONS="pdf, png ,",
        SMS_HTTP_HEADERS='{"Authorization": "Bearer s3cret"}',
        DATABASE_URL="postgres://helpdesk:p%40ss@db:5433/helpdesk?sslmode=require",
        DB_CONN_MAX_AGE="30",
        SMS_HTTP_TIMEOUT="2.5",
        HELPDESK_NOTIFICATION_RETRY_AFTER="45",
        HELPDESK_BASE_URL="https://helpdesk.example.com/",
    )

    assert read["DEBUG"] is False
    assert read["SECURE_SSL_REDIRECT"] is True
    assert read["SECURE_HSTS_SECONDS"] == 31536000
    assert read["ALLOWED_HOSTS"] == ["helpdesk.example.com", "other.example.com"]
    assert read["HELPDESK_ATTACHMENT_EXTENSIONS"] == ["pdf", "png"]
    assert read["SMS_HTTP_HEADERS"] == {"Authorization": "Bearer s3cret"}
    database = read["DATABASES"]["default"]
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["NAME"], database["USER"], database["PASSWORD"]) == ("helpdesk", "helpdesk", "p@ss")
    assert (database["HOST"], int(database["PORT"]), database["OPTIONS"]) == ("db", 5433, {"sslmode": "require"})
    assert database["CONN_MAX_AGE"] == 30
    assert read["SMS_HTTP_TIMEOUT"] == 2.5
    assert read["HELPDESK_NOTIFICATION_RETRY_AFTER"].total_seconds() == 45
    assert read["HELPDESK_BASE_URL"] == "https://helpdesk.example.com"


def test_a_value_can_start_with_an_escaped_dollar(monkeypatch, tmp_path):
    assert settings_with(monkeypatch, tmp_path, EMAIL_HOST_PASSWORD=r"\$ecret")["EMAIL_HOST_PASSWORD"] == "$ecret"


def test_sms_backends_named_where_they_lived_before_the_notifications_app_still_load(monkeypatch, tmp_path):
    for name in ("filebased", "console", "http", "twilio"):
        loaded = settings_with(monkeypatch, tmp_path, SMS_BACKEND=f"escalation.sms.{name}.SmsBackend")
        assert loaded["SMS_BACKEND"] == f"notifications.sms.{name}.SmsBackend"
    assert settings_with(monkeypatch, tmp_path)["SMS_BACKEND"] == "notifications.sms.filebased.SmsBackend"


def test_webhooks_refuse_private_networks_and_allow_no_network_unless_told(monkeypatch, tmp_path):
    default = settings_with(monkeypatch, tmp_path)
    assert (default["HELPDESK_WEBHOOK_ALLOW_PRIVATE"], default["HELPDESK_WEBHOOK_ALLOWED_NETWORKS"]) == (False, [])

    told = settings_with(
        monkeypatch,
        tmp_path,
        HELPDESK_WEBHOOK_ALLOW_PRIVATE="1",
        HELPDESK_WEBHOOK_ALLOWED_NETWORKS=" 127.0.0.1/32, ::1/128 ,10.20.0.0/16,",
    )
    assert told["HELPDESK_WEBHOOK_ALLOW_PRIVATE"] is True
    assert told["HELPDESK_WEBHOOK_ALLOWED_NETWORKS"] == ["127.0.0.1/32", "::1/128", "10.20.0.0/16"]


@pytest.mark.parametrize("written", ["127.0.0.1/33", "localhost", "10.0.0.0/8;rm", "\U0001f525"])
def test_an_allowed_webhook_network_that_is_no_network_stops_startup(monkeypatch, tmp_path, written):
    with pytest.raises(ImproperlyConfigured, match="HELPDESK_WEBHOOK_ALLOWED_NETWORKS"):
        settings_with(monkeypatch, tmp_path, HELPDESK_WEBHOOK_ALLOWED_NETWORKS=written)


def test_single_sign_on_is_off_unless_a_client_id_is_set(monkeypatch, tmp_path):
    read = settings_with(monkeypatch, tmp_path)

    assert read["HELPDESK_OIDC_CLIENT_ID"] == ""
    assert read["HELPDESK_OIDC_SCOPES"] == "openid email profile"
    assert read["HELPDESK_OIDC_CREATE_USERS"] is True


@pytest.mark.parametrize(
    ("environment", "complaint"),
    [
        ({"HELPDESK_OIDC_ISSUER": "https://sso.example.com"}, "HELPDESK_OIDC_CLIENT_SECRET"),
        ({"HELPDESK_OIDC_CLIENT_SECRET": "s3cret"}, "HELPDESK_OIDC_ISSUER"),
        (
            {"HELPDESK_OIDC_CLIENT_SECRET": "s3cret", "HELPDESK_OIDC_TOKEN_ENDPOINT": "https://sso.example.com/token"},
            "HELPDESK_OIDC_ISSUER",
        ),
    ],
)
def test_a_client_id_without_its_secret_or_its_provider_stops_startup(monkeypatch, tmp_path, environment, complaint):
    with pytest.raises(ImproperlyConfigured, match=complaint):
        settings_with(monkeypatch, tmp_path, HELPDESK_OIDC_CLIENT_ID="helpdesk", **environment)


def test_single_sign_on_may_name_its_endpoints_instead_of_an_issuer(monkeypatch, tmp_path):
    endpoints = {
        f"HELPDESK_OIDC_{name}_ENDPOINT": f"https://sso.example.com/{name.lower()}"
        for name in ("AUTHORIZATION", "TOKEN", "USERINFO", "JWKS")
    }

    read = settings_with(
        monkeypatch, tmp_path, HELPDESK_OIDC_CLIENT_ID="helpdesk", HELPDESK_OIDC_CLIENT_SECRET="s3cret", **endpoints
    )

    assert read["HELPDESK_OIDC_JWKS_ENDPOINT"] == "https://sso.example.com/jwks"
    assert read["HELPDESK_OIDC_ISSUER"] == ""
