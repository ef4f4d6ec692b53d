"""Dependencies: production's file pins everything production installs and no tooling;
the development file adds the tooling, pinned too."""

import json
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
RUNTIME = ROOT / "requirements.txt"
DEVELOPMENT = ROOT / "requirements-dev.txt"
# Test and development tooling, which production must never install.
TOOLING = {
    "pytest",
    "pytest-django",
    "pytest-playwright",
    "pytest-base-url",
    "ruff",
    "mypy",
    "django-stubs",
    "types-pyyaml",
    "playwright",
    "schemathesis",
    "hypothesis",
    "factory-boy",
    "faker",
    "time-machine",
    "aiosmtpd",
    "openapi-python-client",
    "honcho",
}


def pins(path: Path) -> dict[str, str]:
    """The packages a requirements file pins, by canonical name, without following ``-r``."""
    pinned = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        requirement = Requirement(line)
        (specifier,) = requirement.specifier
        assert specifier.operator == "==", f"{path.name}: {line} is not pinned with =="
        pinned[canonicalize_name(requirement.name)] = specifier.version
    return pinned


@cache
def resolved(path: Path) -> dict[str, str]:
    """What pip would install from the file alone into an empty environment."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--dry-run",
            "--ignore-installed",
            "--quiet",
            "--report",
            "-",
            "-r",
            str(path),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    return {canonicalize_name(item["metadata"]["name"]): item["metadata"]["version"] for item in report["install"]}


def test_requirements_txt_pins_every_package_production_installs():
    pinned = pins(RUNTIME)
    installed = resolved(RUNTIME)

    assert {name: version for name, version in installed.items() if pinned.get(name) != version} == {}
    assert {"django", "celery", "gunicorn", "whitenoise"} <= set(installed)


def test_requirements_txt_holds_no_test_or_development_tooling():
    assert TOOLING & set(pins(RUNTIME)) == set()
    assert TOOLING & set(resolved(RUNTIME)) == set()


def test_the_development_file_adds_to_production_and_pins_everything_it_installs():
    assert "-r requirements.txt" in DEVELOPMENT.read_text().splitlines()
    runtime, development = pins(RUNTIME), pins(DEVELOPMENT)
    assert set(runtime) & set(development) == set(), "each package is pinned in one file"
    assert TOOLING <= set(development)
    pinned = {**runtime, **development}

    installed = resolved(DEVELOPMENT)

    assert {name: version for name, version in installed.items() if pinned.get(name) != version} == {}


@pytest.mark.parametrize("path", [RUNTIME, DEVELOPMENT], ids=lambda path: path.name)
def test_the_files_name_no_package_twice(path):
    names = [
        canonicalize_name(Requirement(line.split("#", 1)[0].strip()).name)
        for line in path.read_text().splitlines()
        if line.split("#", 1)[0].strip() and not line.startswith("-")
    ]
    assert len(names) == len(set(names))


def test_the_docker_image_installs_the_production_file_alone():
    installs = [line for line in (ROOT / "Dockerfile").read_text().splitlines() if "pip install" in line]
    assert installs
    assert all("-r requirements.txt" in line for line in installs)
    assert not any("requirements-dev" in line for line in installs)
