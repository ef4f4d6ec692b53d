"""`make system` (a step of `make test`): root installs the missing Debian packages with
apt-get; anyone else is told which are missing and how to install them, and the run stops.
It never calls sudo.

Each run gets a PATH of its own, holding only the commands the test chooses, so a package
looks missing when its command is absent; apt-get and sudo there record how they were called.
"""

import os
import re
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MAKE = shutil.which("make") or "/usr/bin/make"
SETPRIV = shutil.which("setpriv") or "/usr/bin/setpriv"
UNSHARE = shutil.which("unshare") or "/usr/bin/unshare"
EVERY_PACKAGE = {
    "chromium": "chromium",
    "chromedriver": "chromium-driver",
    "msgfmt": "gettext",
    "wrk": "wrk",
    "caddy": "caddy",
}
# Packages found by a file of theirs rather than a command: the make variable naming the
# file, and the package. Each run points the variables into its own folder.
EVERY_FILE = {
    "LDAP_HEADER": "libldap-dev",
    "SASL_HEADER": "libsasl2-dev",
    "SLAPD": "slapd",
    "DOVECOT": "dovecot-imapd",
}
BUILD_FILES = ("LDAP_HEADER", "SASL_HEADER")
# Bash alone, as nothing else is on that PATH.
RECORDER = '#!/bin/bash\necho "${0##*/} $*" >> "${0%/*}/../calls"\n'


@pytest.fixture
def world() -> Iterator[Path]:
    """A folder another user can use too: the Makefile (the checkout may sit where they
    cannot read), bin/ (the PATH) and the calls file."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        root.chmod(0o777)
        shutil.copy(ROOT / "Makefile", root / "Makefile")
        (root / "Makefile").chmod(0o644)
        (root / "bin").mkdir(mode=0o755)
        (root / "bin").chmod(0o755)
        (root / "bin" / "id").symlink_to(shutil.which("id") or "/usr/bin/id")
        for name in ("apt-get", "sudo"):
            (root / "bin" / name).write_text(RECORDER)
            (root / "bin" / name).chmod(0o755)
        yield root


def present(world: Path, *commands: str) -> None:
    for command in commands:
        if command in EVERY_FILE:
            (world / "files").mkdir(exist_ok=True)
            (world / "files" / command).write_text("")
            continue
        (world / "bin" / command).write_text("#!/bin/bash\n")
        (world / "bin" / command).chmod(stat.S_IRWXU | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH)


def make_system(world: Path, *, as_root: bool, target: str = "system") -> subprocess.CompletedProcess:
    if as_root:
        # Without root, a user namespace makes this process root in its own eyes.
        prefix = [] if os.geteuid() == 0 else [UNSHARE, "--user", "--map-root-user"]
    else:
        prefix = [SETPRIV, "--reuid=65534", "--regid=65534", "--clear-groups"] if os.geteuid() == 0 else []
    return subprocess.run(
        [*prefix, MAKE, "--no-print-directory", "-C", str(world), target],
        env={"PATH": str(world / "bin"), "HOME": str(world)}
        | {name: str(world / "files" / name) for name in EVERY_FILE},
        capture_output=True,
        text=True,
        timeout=60,
    )


def calls(world: Path) -> list[str]:
    path = world / "calls"
    return path.read_text().splitlines() if path.exists() else []


def test_another_user_is_told_which_packages_are_missing_and_how_to_install_them(world):
    present(world, "chromium", "wrk", "caddy", "SASL_HEADER", "SLAPD", "DOVECOT")

    result = make_system(world, as_root=False)

    assert result.returncode != 0
    assert "Missing Debian packages: libldap-dev chromium-driver gettext." in result.stderr
    assert "apt-get update && apt-get install -y libldap-dev chromium-driver gettext" in result.stderr
    assert calls(world) == [], "neither sudo nor apt-get runs"


def test_root_installs_every_missing_package_with_apt_get(world):
    result = make_system(world, as_root=True)

    assert result.returncode == 0, result.stdout + result.stderr
    assert calls(world)[0] == "apt-get update -qq"
    (install,) = [call for call in calls(world) if call.startswith("apt-get install")]
    assert set(re.sub(r"^apt-get install -y -qq ", "", install).split()) == {
        *EVERY_PACKAGE.values(),
        *EVERY_FILE.values(),
    }
    assert not any(call.startswith("sudo") for call in calls(world))


def test_installing_the_python_packages_first_asks_only_for_what_building_them_needs(world):
    result = make_system(world, as_root=True, target="build-system")

    assert result.returncode == 0, result.stdout + result.stderr
    (install,) = [call for call in calls(world) if call.startswith("apt-get install")]
    assert set(re.sub(r"^apt-get install -y -qq ", "", install).split()) == {EVERY_FILE[name] for name in BUILD_FILES}


def test_a_missing_dovecot_is_told_as_dovecot_imapd_the_package_of_its_imap_server(world):
    present(world, *EVERY_PACKAGE, *(name for name in EVERY_FILE if name != "DOVECOT"))

    result = make_system(world, as_root=False)

    assert result.returncode != 0
    assert "Missing Debian packages: dovecot-imapd." in result.stderr
    assert calls(world) == []


@pytest.mark.parametrize("as_root", [True, False], ids=["root", "another user"])
def test_nothing_is_installed_or_asked_for_when_every_command_is_there(world, as_root):
    present(world, *EVERY_PACKAGE, *EVERY_FILE)

    result = make_system(world, as_root=as_root)

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout + result.stderr == ""
    assert calls(world) == []
