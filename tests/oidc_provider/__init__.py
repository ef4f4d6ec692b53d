"""A real OpenID Connect provider (provider.mjs, panva's oidc-provider on Node.js) on a
free port of 127.0.0.1, for the single sign-on tests. `make test` installs it from its
lock file (npm ci); the claims of its one test person are a JSON file a test rewrites."""

import json
import os
import selectors
import shutil
import socket
import subprocess
import time
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent
CLIENT_ID = "helpdesk-tests"
CLIENT_SECRET = "helpdesk-tests-secret"
ACCOUNT = "rina-at-the-provider"
REDIRECT_URI = "http://testserver/accounts/oidc/callback/"
START_TIMEOUT_SECONDS = 30


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class OidcProvider:
    """Start with start(), stop with stop(); issuer is its address once it answers."""

    def __init__(self, folder: Path) -> None:
        self.claims_file = folder / "claims.json"
        # A file, not a pipe: a pipe nobody reads would stop the provider once full.
        self.log_file = folder / "provider.log"
        self.port = _free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def set_claims(self, **claims) -> None:
        """What the provider says about its test person from the next sign-in on."""
        self.claims_file.write_text(json.dumps(claims))

    def start(self) -> None:
        node = shutil.which("node")
        if node is None or not (HERE / "node_modules" / "oidc-provider").is_dir():
            raise RuntimeError(f"Node.js and {HERE / 'node_modules'} are needed: run `make oidc-provider`.")
        self.set_claims()
        environment = {
            **os.environ,
            "OIDC_TEST_ACCOUNT": ACCOUNT,
            "OIDC_TEST_CLAIMS": str(self.claims_file),
            "OIDC_TEST_CLIENT_ID": CLIENT_ID,
            "OIDC_TEST_CLIENT_SECRET": CLIENT_SECRET,
        }
        with self.log_file.open("w") as log:
            self.process = subprocess.Popen(
                [node, str(HERE / "provider.mjs"), str(self.port), REDIRECT_URI],
                cwd=HERE,
                env=environment,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
            )
        self._wait_until_ready()

    def _wait_until_ready(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        with selectors.DefaultSelector() as waiting:
            waiting.register(self.process.stdout, selectors.EVENT_READ)
            while time.monotonic() < deadline:
                if not waiting.select(timeout=deadline - time.monotonic()):
                    break
                line = self.process.stdout.readline()
                if not line:  # it exited
                    break
                if line.startswith("ready "):
                    response = requests.get(f"{self.issuer}/.well-known/openid-configuration", timeout=5)
                    response.raise_for_status()
                    assert response.json()["issuer"] == self.issuer
                    return
        self.stop()
        raise RuntimeError(f"the OpenID Connect provider did not start: {self.errors()}")

    def errors(self) -> str:
        return self.log_file.read_text() if self.log_file.exists() else ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
