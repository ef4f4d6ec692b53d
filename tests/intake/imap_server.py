"""A real IMAP server (Debian's Dovecot) on 127.0.0.1 with a throw-away maildir.

Its own base_dir, configuration and maildir sit in a temporary folder; users come from a
passwd-file; a self-signed certificate made here (for 127.0.0.1 and localhost) serves
IMAPS on one port and STARTTLS on the other. Run as root, the mail belongs to Dovecot's
own ``dovecot`` user (Dovecot refuses mail access as root); run as anyone else, to them."""

import datetime
import grp
import imaplib
import ipaddress
import os
import pwd
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

DOVECOT = Path("/usr/sbin/dovecot")
PASSWORD = "mailbox-pw-1"  # noqa: S105 - a throw-away test server's

CONFIG = """\
base_dir = {dir}/run
state_dir = {dir}/state
log_path = {dir}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{dir}/cert.pem
ssl_key = <{dir}/key.pem
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = no
auth_mechanisms = plain login
# Wrong passwords are tested on purpose: answer them at once. (Dovecot still makes the
# address that sent one wait longer on its next sign-ins: those tests have a server of
# their own, the `lonely_imap` fixture.)
auth_failure_delay = 0
# Wrong passwords are tested on purpose: answer them at once.
auth_failure_delay = 0
default_internal_user = {internal_user}
default_internal_group = {internal_group}
default_login_user = {login_user}
first_valid_uid = {uid}
last_valid_uid = 0
mail_location = maildir:{dir}/mail/%u
mail_uid = {uid}
mail_gid = {gid}
mail_max_userip_connections = 100
protocol imap {{
  imap_max_line_length = 1M
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {dir}/users/%u
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={dir}/mail/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps_port}
    ssl = yes
  }}
}}
service imap {{
  chroot =
}}
service anvil {{
  chroot =
}}
service stats {{
  chroot =
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
service auth {{
  chroot =
}}
service auth-worker {{
  chroot =
}}
service log {{
  chroot =
}}
service config {{
  chroot =
}}
service dict {{
  chroot =
}}
service doveadm {{
  chroot =
}}
service pop3-login {{
  chroot =
}}
service submission-login {{
  chroot =
}}
service lmtp {{
  chroot =
}}
service imap-urlauth-login {{
  chroot =
}}
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _certificate(folder: Path) -> None:
    """A self-signed certificate for 127.0.0.1 and localhost, and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "helpdesk test IMAP")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    (folder / "cert.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    (folder / "key.pem").chmod(0o600)


class ImapServer:
    """Dovecot in the foreground of a child process; ``start()`` returns once it answers.

    ``imap_port`` speaks plain IMAP with STARTTLS; ``imaps_port`` TLS from the first byte.
    ``ca_file`` is the certificate a client must trust to check the server's."""

    host = "127.0.0.1"

    def __init__(self) -> None:
        if not DOVECOT.exists():
            raise RuntimeError("Dovecot is not installed: `make system` installs Debian's dovecot-imapd (as root).")
        self._dir = tempfile.TemporaryDirectory(prefix="helpdesk-dovecot-")
        self.folder = Path(self._dir.name)
        self.imap_port = _free_port()
        self.imaps_port = _free_port()
        self.ca_file = str(self.folder / "cert.pem")
        self._users: dict[str, str] = {}
        self._stamp = int(time.time())
        self._process: subprocess.Popen | None = None

    def start(self, timeout: float = 20.0) -> "ImapServer":
        folder = self.folder
        if os.geteuid() == 0:
            mail_user = pwd.getpwnam("dovecot")
            internal_user, internal_group, login_user = "dovecot", "dovecot", "dovenull"
        else:
            mail_user = pwd.getpwuid(os.geteuid())
            internal_user = login_user = mail_user.pw_name
            internal_group = grp.getgrgid(os.getegid()).gr_name
        folder.chmod(0o755)
        for name in ("run", "state", "mail"):
            (folder / name).mkdir()
        if os.geteuid() == 0:
            shutil.chown(folder / "mail", mail_user.pw_uid, mail_user.pw_gid)
        _certificate(folder)
        (folder / "users").mkdir()
        (folder / "dovecot.conf").write_text(
            CONFIG.format(
                dir=folder,
                uid=mail_user.pw_uid,
                gid=mail_user.pw_gid,
                internal_user=internal_user,
                internal_group=internal_group,
                login_user=login_user,
                imap_port=self.imap_port,
                imaps_port=self.imaps_port,
            )
        )
        self._output = (folder / "dovecot.out").open("w")
        self._process = subprocess.Popen(
            [str(DOVECOT), "-F", "-c", str(folder / "dovecot.conf")],
            stdout=self._output,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while True:
            if self._process.poll() is not None:
                raise RuntimeError(f"dovecot stopped at start: {self.log()}")
            try:
                with socket.create_connection((self.host, self.imap_port), timeout=1) as connection:
                    if connection.recv(64).startswith(b"* OK"):
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"dovecot did not answer on port {self.imap_port} within {timeout} s: {self.log()}")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None
            self._output.close()
        self._dir.cleanup()

    def log(self) -> str:
        parts = []
        for name in ("dovecot.out", "dovecot.log"):
            path = self.folder / name
            if path.exists():
                parts.append(path.read_text(errors="replace"))
        return "\n".join(parts)

    # --- users and their mail

    def add_user(self, name: str, password: str = PASSWORD) -> str:
        """A mail user (a new one each time: its maildir starts empty)."""
        self._users[name] = password
        # A file for each user (passwd-file takes the path with %u): a new user is a new
        # file, with nothing to reload.
        (self.folder / "users" / name).write_text(f"{name}:{{PLAIN}}{password}::::::\n")
        return name

    def client(self, user: str) -> imaplib.IMAP4_SSL:
        """A logged-in IMAPS connection of the test's own, to put mail in and look at it."""
        context = ssl.create_default_context(cafile=self.ca_file)
        connection = imaplib.IMAP4_SSL(self.host, self.imaps_port, ssl_context=context, timeout=10)
        connection.login(user, self._users[user])
        return connection

    def append(self, user: str, raw: bytes, folder: str = "INBOX", flags: str = "") -> None:
        connection = self.client(user)
        try:
            if folder != "INBOX":
                connection.create(folder)
            status, _data = connection.append(folder, flags or None, None, raw)
            assert status == "OK", _data
        finally:
            connection.logout()

    def messages(self, user: str, folder: str = "INBOX") -> list[tuple[int, set[str]]]:
        """(UID, flags) of every mail in the folder, expunged ones left out."""
        connection = self.client(user)
        try:
            connection.select(folder, readonly=True)
            status, data = connection.uid("FETCH", "1:*", "(FLAGS)")
            assert status == "OK", data
            found = []
            for line in data:
                if not line:
                    continue
                text = line.decode() if isinstance(line, bytes) else line[0].decode()
                uid = int(text.split("UID ", 1)[1].split()[0].rstrip(")"))
                flags = set(text.split("FLAGS (", 1)[1].split(")", 1)[0].split())
                found.append((uid, flags))
            return found
        finally:
            connection.logout()
