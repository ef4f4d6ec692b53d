"""A real OpenLDAP server (Debian's slapd) on 127.0.0.1 with a throw-away directory.

It holds what an organisation's directory holds for the helpdesk: people under
``ou=people``, groups (groupOfNames) under ``ou=groups``, and a password policy
(ppolicy) so that an administrator can lock an account the way OpenLDAP does
(``pwdAccountLockedTime``), which refuses its password from then on."""

import socket
import subprocess
import tempfile
import time
from pathlib import Path

import ldap
import ldap.modlist

SLAPD = Path("/usr/sbin/slapd")
SUFFIX = "dc=helpdesk,dc=test"
ADMIN_DN = f"cn=admin,{SUFFIX}"
ADMIN_PASSWORD = "directory-admin-secret"  # noqa: S105 - a throw-away test directory
PEOPLE = f"ou=people,{SUFFIX}"
GROUPS = f"ou=groups,{SUFFIX}"
POLICY_DN = f"cn=default,ou=policies,{SUFFIX}"
# How an OpenLDAP with a password policy is told to leave locked accounts out of the search.
UNLOCKED_PEOPLE = "(&(uid=%(user)s)(!(pwdAccountLockedTime=*)))"
PASSWORD = "directory-pw-1"  # noqa: S105 - a throw-away test directory's
# What OpenLDAP's ppolicy writes for an account an administrator locked for good.
LOCKED_FOR_GOOD = "000001010000Z"

CONFIG = """\
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload ppolicy
pidfile {dir}/slapd.pid
argsfile {dir}/slapd.args
database mdb
maxsize 16777216
suffix "{suffix}"
rootdn "{admin}"
rootpw {password}
directory {dir}/data
index uid,member eq
overlay ppolicy
ppolicy_default "{policy}"
ppolicy_use_lockout
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class DirectoryServer:
    """slapd in the foreground of a child process; ``start()`` returns once it answers."""

    def __init__(self) -> None:
        if not SLAPD.exists():
            raise RuntimeError("slapd is not installed: `make test` installs Debian's slapd (run it as root once).")
        self._dir = tempfile.TemporaryDirectory(prefix="helpdesk-slapd-")
        self.port = _free_port()
        self.uri = f"ldap://127.0.0.1:{self.port}"
        self._process: subprocess.Popen | None = None

    def start(self, timeout: float = 20.0) -> "DirectoryServer":
        folder = Path(self._dir.name)
        (folder / "data").mkdir()
        config = folder / "slapd.conf"
        config.write_text(
            CONFIG.format(dir=folder, suffix=SUFFIX, admin=ADMIN_DN, password=ADMIN_PASSWORD, policy=POLICY_DN)
        )
        self._log = (folder / "slapd.log").open("w")
        self._process = subprocess.Popen(
            [str(SLAPD), "-f", str(config), "-h", f"{self.uri}/", "-d", "0"],
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while True:
            if self._process.poll() is not None:
                raise RuntimeError(f"slapd stopped at start: {(folder / 'slapd.log').read_text()}")
            try:
                self.connection().unbind_s()
                break
            except ldap.SERVER_DOWN:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"slapd did not answer on {self.uri} within {timeout} s") from None
                time.sleep(0.05)
        self.reset()
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
            self._log.close()
        self._dir.cleanup()

    def connection(self):
        connection = ldap.initialize(self.uri)
        connection.set_option(ldap.OPT_NETWORK_TIMEOUT, 5)
        connection.simple_bind_s(ADMIN_DN, ADMIN_PASSWORD)
        return connection

    # --- the directory's content

    def reset(self) -> None:
        """Back to the base entries alone: the organisation, its units and the policy."""
        connection = self.connection()
        try:
            try:
                entries = connection.search_s(SUFFIX, ldap.SCOPE_SUBTREE, "(objectClass=*)", ["1.1"])
            except ldap.NO_SUCH_OBJECT:
                entries = []
            # Deepest first, so no entry is deleted before its children.
            for dn, _attrs in sorted(entries, key=lambda entry: entry[0].count(","), reverse=True):
                connection.delete_s(dn)
            base = [
                (SUFFIX, {"objectClass": ["dcObject", "organization"], "o": ["Helpdesk"], "dc": ["helpdesk"]}),
                (PEOPLE, {"objectClass": ["organizationalUnit"], "ou": ["people"]}),
                (GROUPS, {"objectClass": ["organizationalUnit"], "ou": ["groups"]}),
                (f"ou=policies,{SUFFIX}", {"objectClass": ["organizationalUnit"], "ou": ["policies"]}),
                (
                    POLICY_DN,
                    {
                        "objectClass": ["device", "pwdPolicy"],
                        "cn": ["default"],
                        "pwdAttribute": ["userPassword"],
                        "pwdLockout": ["TRUE"],
                    },
                ),
            ]
            for dn, attrs in base:
                connection.add_s(dn, ldap.modlist.addModlist(_encoded(attrs)))
        finally:
            connection.unbind_s()

    def add_person(
        self, uid: str, password: str, *, given: str = "", surname: str = "", mail: str = "", mobile: str = ""
    ) -> str:
        dn = f"uid={ldap.dn.escape_dn_chars(uid)},{PEOPLE}"
        attrs = {
            "objectClass": ["inetOrgPerson"],
            "uid": [uid],
            "cn": [f"{given} {surname}".strip() or uid],
            "sn": [surname or uid],
            "userPassword": [password],
        }
        if given:
            attrs["givenName"] = [given]
        if mail:
            attrs["mail"] = [mail]
        if mobile:
            attrs["mobile"] = [mobile]
        self._write(lambda connection: connection.add_s(dn, ldap.modlist.addModlist(_encoded(attrs))))
        return dn

    def add_group(self, name: str, members: list[str]) -> str:
        dn = f"cn={ldap.dn.escape_dn_chars(name)},{GROUPS}"
        # groupOfNames needs a member: the organisation stands in for an empty group.
        attrs = {"objectClass": ["groupOfNames"], "cn": [name], "member": members or [SUFFIX]}
        self._write(lambda connection: connection.add_s(dn, ldap.modlist.addModlist(_encoded(attrs))))
        return dn

    def set_members(self, group_dn: str, members: list[str]) -> None:
        self._modify(group_dn, [(ldap.MOD_REPLACE, "member", _values(members or [SUFFIX]))])

    def set_attribute(self, dn: str, name: str, values: list[str]) -> None:
        self._modify(dn, [(ldap.MOD_REPLACE, name, _values(values))])

    def lock(self, dn: str) -> None:
        """Lock the account as an administrator does with OpenLDAP's password policy."""
        self._modify(dn, [(ldap.MOD_ADD, "pwdAccountLockedTime", _values([LOCKED_FOR_GOOD]))])

    def unlock(self, dn: str) -> None:
        self._modify(dn, [(ldap.MOD_DELETE, "pwdAccountLockedTime", None)])

    def delete(self, dn: str) -> None:
        self._write(lambda connection: connection.delete_s(dn))

    def _modify(self, dn: str, changes: list) -> None:
        self._write(lambda connection: connection.modify_s(dn, changes))

    def _write(self, action) -> None:
        connection = self.connection()
        try:
            action(connection)
        finally:
            connection.unbind_s()


def _values(values: list[str]) -> list[bytes]:
    return [value.encode() for value in values]


def _encoded(attrs: dict[str, list[str]]) -> dict[str, list[bytes]]:
    return {name: _values(values) for name, values in attrs.items()}


GROUP_NAMES = (
    "helpdesk-users",
    "helpdesk-banned",
    "it-agents",
    "it-supervisors",
    "it-admins",
    "level-1",
    "level-2",
    "level-3",
)


def directory_environment(server: DirectoryServer, groups: dict[str, str]) -> dict[str, str]:
    """The environment variables an operator sets for this directory."""
    return {
        "HELPDESK_LDAP_SERVER_URI": server.uri,
        "HELPDESK_LDAP_BIND_DN": ADMIN_DN,
        "HELPDESK_LDAP_BIND_PASSWORD": ADMIN_PASSWORD,
        "HELPDESK_LDAP_USER_BASE": PEOPLE,
        "HELPDESK_LDAP_USER_FILTER": UNLOCKED_PEOPLE,
        "HELPDESK_LDAP_GROUP_BASE": GROUPS,
        "HELPDESK_LDAP_REQUIRE_GROUP": groups["helpdesk-users"],
        "HELPDESK_LDAP_DENY_GROUP": groups["helpdesk-banned"],
        "HELPDESK_LDAP_GROUP_AGENT": groups["it-agents"],
        "HELPDESK_LDAP_GROUP_SUPERVISOR": groups["it-supervisors"],
        "HELPDESK_LDAP_GROUP_ADMIN": groups["it-admins"],
        "HELPDESK_LDAP_GROUP_LEVEL_1": groups["level-1"],
        "HELPDESK_LDAP_GROUP_LEVEL_2": groups["level-2"],
        "HELPDESK_LDAP_GROUP_LEVEL_3": groups["level-3"],
    }


class Directory:
    """The directory's content as a test sees it: people, and which groups they are in."""

    def __init__(self, server: DirectoryServer) -> None:
        server.reset()
        self.server = server
        self.groups = {name: server.add_group(name, []) for name in GROUP_NAMES}
        self._members: dict[str, list[str]] = {name: [] for name in self.groups}

    def person(self, uid: str, password: str = PASSWORD, *, groups=("helpdesk-users",), **attrs) -> str:
        dn = self.server.add_person(uid, password, **attrs)
        self.set_groups(dn, groups)
        return dn

    def set_groups(self, dn: str, groups) -> None:
        for name, members in self._members.items():
            if (name in groups) != (dn in members):
                if dn in members:
                    members.remove(dn)
                else:
                    members.append(dn)
                self.server.set_members(self.groups[name], members)
