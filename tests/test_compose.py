"""docker-compose.yml scales behind its proxy and agrees with settings, .env.example, the
Procfile and the Dockerfile; the proxy's deploy/Caddyfile is valid to Caddy itself."""

import ast
import ipaddress
import json
import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from helpdesk.celery import app as celery_app
from tests.test_settings import COMPOSE_SECTION, examples, variables_settings_read

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
APP_SERVICES = {name: service for name, service in SERVICES.items() if "build" in service}
CADDYFILE = ROOT / "deploy" / "Caddyfile"
CADDY = shutil.which("caddy")
INTERPOLATION = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)")


def variables_gunicorn_conf_reads() -> set[str]:
    tree = ast.parse((ROOT / "gunicorn.conf.py").read_text())
    return {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and ast.unparse(node.func) in {"os.environ.get", "os.getenv"}
        and isinstance(node.args[0], ast.Constant)
    }


def procfile() -> dict[str, list[str]]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return {
        name.strip(): shlex.split(command) for name, command in (line.split(":", 1) for line in lines if line.strip())
    }


def consumed_queues(command: list[str]) -> set[str]:
    """The queues a `celery worker` command takes tasks from (the default one without -Q)."""
    for flag in ("-Q", "--queues"):
        if flag in command:
            return set(command[command.index(flag) + 1].split(","))
    return {getattr(settings, "CELERY_TASK_DEFAULT_QUEUE", "celery")}


def is_celery(command: list[str], role: str) -> bool:
    return command[:1] == ["celery"] and role in command


def celery_app_name(command: list[str]) -> str:
    return command[command.index("-A") + 1]


def test_compose_passes_the_app_only_variables_settings_or_gunicorn_conf_read():
    understood = variables_settings_read() | variables_gunicorn_conf_reads()
    assert {"WEB_CONCURRENCY", "GUNICORN_THREADS"} <= variables_gunicorn_conf_reads()

    unread = {name: sorted(set(service["environment"]) - understood) for name, service in APP_SERVICES.items()}

    assert set(APP_SERVICES) >= {"migrate", "web", "worker", "worker-periodic", "beat"}
    assert unread == {name: [] for name in APP_SERVICES}


def test_compose_passes_every_variable_production_requires_to_every_app_service():
    required = {
        example.name for example in examples() if example.required and not example.section.startswith(COMPOSE_SECTION)
    }
    assert {"SECRET_KEY", "DATABASE_URL", "CELERY_BROKER_URL", "HELPDESK_CACHE_URL"} <= required

    missing = {name: sorted(required - set(service["environment"])) for name, service in APP_SERVICES.items()}

    assert missing == {name: [] for name in APP_SERVICES}


def test_every_variable_compose_fills_in_is_listed_in_env_example_and_the_required_ones_stop_it_when_unset():
    text = (ROOT / "docker-compose.yml").read_text()
    filled_in = set(INTERPOLATION.findall(text))
    listed = {example.name: example for example in examples()}

    assert sorted(filled_in - set(listed)) == []
    compose_only = {name for name, example in listed.items() if example.section.startswith(COMPOSE_SECTION)}
    assert compose_only & variables_settings_read() == set()
    assert sorted(compose_only - filled_in) == [], "each compose-only variable is used by compose"
    for name in filled_in:
        if listed[name].required and name != "DEBUG":
            assert re.search(rf"\$\{{{name}:\?", text), f"compose refuses to start without {name}"


def test_the_postgres_service_gets_only_its_images_variables():
    assert set(SERVICES["postgres"]["environment"]) == {"POSTGRES_DB", "POSTGRES_USER", "POSTGRES_PASSWORD"}
    database_url = APP_SERVICES["web"]["environment"]["DATABASE_URL"]
    environment = SERVICES["postgres"]["environment"]
    assert f"{environment['POSTGRES_USER']}:${{POSTGRES_PASSWORD" in database_url
    assert database_url.endswith(f"@postgres:5432/{environment['POSTGRES_DB']}")


def test_every_queue_tasks_go_to_is_consumed_by_a_compose_worker_and_the_procfile_worker():
    celery_app.loader.import_default_modules()
    routes = settings.CELERY_TASK_ROUTES
    tasks = {name for name in celery_app.tasks if not name.startswith("celery.")}
    assert set(routes) <= tasks, "every route names a task"
    queues = {route["queue"] for route in routes.values()}
    if tasks - set(routes):
        queues.add(getattr(settings, "CELERY_TASK_DEFAULT_QUEUE", "celery"))

    compose_consumed = set().union(
        *(
            consumed_queues(service["command"])
            for service in APP_SERVICES.values()
            if is_celery(service["command"], "worker")
        )
    )
    (procfile_worker,) = [command for command in procfile().values() if is_celery(command, "worker")]

    assert sorted(queues - compose_consumed) == []
    assert sorted(queues - consumed_queues(procfile_worker)) == []


def test_web_workers_and_beat_all_run_the_helpdesk_app():
    commands = [service["command"] for service in APP_SERVICES.values()] + list(procfile().values())
    celery_commands = [command for command in commands if command[:1] == ["celery"]]
    assert len(celery_commands) >= 5

    assert {celery_app_name(command) for command in celery_commands} == {"helpdesk"}
    assert celery_app.main == "helpdesk"
    web = APP_SERVICES["web"]["command"]
    assert web[:2] == ["gunicorn", "helpdesk.wsgi"]
    assert settings.WSGI_APPLICATION == "helpdesk.wsgi.application"
    dockerfile_command = re.search(r"^CMD (\[.*\])$", (ROOT / "Dockerfile").read_text(), re.MULTILINE)
    assert dockerfile_command and json.loads(dockerfile_command[1]) == web


def test_web_and_the_workers_can_scale_and_beat_runs_once():
    for name in ("web", "worker", "worker-periodic"):
        assert "ports" not in SERVICES[name], f"{name}: a fixed host port stops --scale"
        assert "container_name" not in SERVICES[name]
    beats = [name for name, service in APP_SERVICES.items() if is_celery(service["command"], "beat")]
    assert beats == ["beat"]
    assert SERVICES["beat"].get("deploy", {}).get("replicas", 1) == 1
    assert [name for name, service in SERVICES.items() if "ports" in service] == ["proxy"]


def test_every_long_running_service_is_health_checked():
    unchecked = [name for name, service in SERVICES.items() if name != "migrate" and "healthcheck" not in service]
    assert unchecked == []


def test_the_proxy_is_a_pinned_caddy_serving_the_projects_caddyfile():
    proxy = SERVICES["proxy"]
    assert re.fullmatch(r"caddy:\d+\.\d+\.\d+", proxy["image"]), "a pinned Caddy release"
    assert "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in proxy["volumes"]
    assert "web" in proxy["depends_on"]


def caddy(*args: str, tmp_path: Path, **environment: str) -> subprocess.CompletedProcess:
    if CADDY is None:
        pytest.skip("needs Caddy (apt-get install caddy; make test installs it as root)")
    home = {name: str(tmp_path) for name in ("HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME")}
    return subprocess.run(
        [CADDY, *args, "--adapter", "caddyfile", "--config", str(CADDYFILE)],
        env={"PATH": os.environ.get("PATH", ""), **home, **environment},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("site", ["helpdesk.example.com", ":80"], ids=["terminates TLS", "behind a balancer"])
def test_caddy_validates_the_caddyfile(tmp_path, site):
    result = caddy("validate", tmp_path=tmp_path, HELPDESK_SITE_ADDRESS=site)

    assert result.returncode == 0, result.stderr
    assert "Valid configuration" in result.stdout + result.stderr


def test_the_proxy_spreads_requests_over_every_web_replica_and_trusts_only_private_balancers(tmp_path):
    result = caddy("adapt", tmp_path=tmp_path, HELPDESK_SITE_ADDRESS="helpdesk.example.com")
    assert result.returncode == 0, result.stderr
    config = json.loads(result.stdout)

    (server,) = config["apps"]["http"]["servers"].values()
    assert server["listen"] == [":443"]
    (route,) = server["routes"]
    assert route["match"] == [{"host": ["helpdesk.example.com"]}]
    (proxy,) = [handler for handler in _handlers(route) if handler["handler"] == "reverse_proxy"]
    web = APP_SERVICES["web"]["command"]
    port = web[web.index("--bind") + 1].rsplit(":", 1)[1]
    assert {key: proxy["dynamic_upstreams"][key] for key in ("source", "name", "port")} == {
        "source": "a",
        "name": "web",
        "port": port,
    }
    assert "upstreams" not in proxy, "no fixed upstream: every replica Docker's DNS knows"
    assert "10.0.0.0/8" in proxy["trusted_proxies"]
    assert all(ipaddress.ip_network(network, strict=False).is_private for network in proxy["trusted_proxies"])


def _handlers(route: dict):
    for handler in route.get("handle", []):
        yield handler
        for inner in handler.get("routes", []):
            yield from _handlers(inner)
