"""Outbound webhooks: the signed POST that carries an event's JSON (its sender writes the JSON).

Each request carries:

- ``X-Helpdesk-Event``: the event, e.g. ``ticket.escalated``;
- ``X-Helpdesk-Delivery``: the same on every attempt at one delivery (de-duplicate by it);
- ``X-Helpdesk-Timestamp``: Unix seconds when this attempt was sent;
- ``X-Helpdesk-Signature``: ``v1=`` and the hex HMAC-SHA256 of ``timestamp + "." + body``
  under the endpoint's secret. A receiver recomputes it, compares in constant time, and
  refuses timestamps more than a few minutes old.

Where a webhook may go: an administrator types the address, and the helpdesk's own
network must not be reachable through it. Only ``http``/``https`` addresses without
credentials are taken, and never one of this server (loopback), of its link (link-local),
a cloud metadata service, an unspecified, multicast or reserved address, nor (unless
``HELPDESK_WEBHOOK_ALLOW_PRIVATE``) a private network; ``HELPDESK_WEBHOOK_ALLOWED_NETWORKS``
lets chosen networks through, though never a metadata service. The address is checked
when the endpoint is saved (as written, in every spelling a resolver accepts) and again
at each send, after the name is resolved: the request then goes to the very address
that was checked, the name kept for the Host header, SNI and the certificate. Redirects
are never followed, and the receiver's answer is recorded by its status code alone.
"""

import hashlib
import hmac
import ipaddress
import re
import socket
import time
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict

from .exceptions import NotificationError

EVENT_HEADER = "X-Helpdesk-Event"
DELIVERY_HEADER = "X-Helpdesk-Delivery"
TIMESTAMP_HEADER = "X-Helpdesk-Timestamp"
SIGNATURE_HEADER = "X-Helpdesk-Signature"


IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_network = ipaddress.ip_network

# Instance metadata services of the clouds (credentials live there): never a receiver,
# whatever the settings allow.
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(address)
    for address in (
        "169.254.169.254",  # AWS, Google Cloud, Azure, OpenStack, Oracle Cloud, DigitalOcean
        "169.254.170.2",  # AWS ECS task metadata
        "169.254.170.23",  # AWS EKS Pod Identity
        "fd00:ec2::254",  # AWS over IPv6
        "fd00:ec2::23",  # AWS EKS Pod Identity over IPv6
        "100.100.100.200",  # Alibaba Cloud
        "192.0.0.192",  # Oracle Cloud Classic
    )
)
# The networks of each class of refused address. Whatever else Python does not call
# global (documentation, benchmarking, 240/4, …) is refused as reserved.
UNSPECIFIED_NETWORKS = (_network("0.0.0.0/8"), _network("::/128"))
MULTICAST_NETWORKS = (_network("224.0.0.0/4"), _network("ff00::/8"))
LOOPBACK_NETWORKS = (_network("127.0.0.0/8"), _network("::1/128"))
LINK_LOCAL_NETWORKS = (_network("169.254.0.0/16"), _network("fe80::/10"))
PRIVATE_NETWORKS = (
    _network("10.0.0.0/8"),
    _network("172.16.0.0/12"),
    _network("192.168.0.0/16"),
    _network("100.64.0.0/10"),  # carrier-grade NAT
    _network("fc00::/7"),  # unique local
)
RESERVED_NETWORKS = (
    _network("255.255.255.255/32"),
    _network("fec0::/10"),  # the old site-local range
    # IPv6 forms that carry an IPv4 address onward: 6to4, NAT64, Teredo, IPv4-compatible.
    _network("2002::/16"),
    _network("64:ff9b::/96"),
    _network("64:ff9b:1::/48"),
    _network("2001::/32"),
    _network("::/96"),
)

# The classes of refused address. The first three are never let through, not even by
# HELPDESK_WEBHOOK_ALLOWED_NETWORKS.
METADATA, UNSPECIFIED, MULTICAST = "metadata", "unspecified", "multicast"
LOOPBACK, LINK_LOCAL, PRIVATE, RESERVED = "loopback", "link-local", "private", "reserved"
REFUSALS = {
    METADATA: gettext_lazy("%(address)s is a cloud metadata service; webhooks are never sent there."),
    UNSPECIFIED: gettext_lazy("%(address)s is an unspecified address, not a receiver; webhooks are never sent there."),
    MULTICAST: gettext_lazy("%(address)s is a multicast address; webhooks are never sent there."),
    LOOPBACK: gettext_lazy("%(address)s is this server itself (a loopback address); webhooks are not sent there."),
    LINK_LOCAL: gettext_lazy("%(address)s is a link-local address; webhooks are not sent there."),
    PRIVATE: gettext_lazy(
        "%(address)s is in a private network; webhooks are sent there only when HELPDESK_WEBHOOK_ALLOW_PRIVATE is on."
    ),
    RESERVED: gettext_lazy("%(address)s is a reserved or special-purpose address; webhooks are not sent there."),
}
SCHEMES = ("http", "https")
DEFAULT_PORTS = {"http": 80, "https": 443}
# The shorthands of an IPv4 address that inet_aton, and so the resolver, accepts:
# 127.1, 0x7f.1, 0177.0.0.1, 2130706433.
_NUMERIC_HOST = re.compile(r"(?:0x[0-9a-f]*|[0-9]+)(?:\.(?:0x[0-9a-f]*|[0-9]+)){0,3}", re.IGNORECASE)


class WebhookAddressRefused(requests.RequestException):
    """The receiver's address is one webhooks are not sent to (raised before connecting)."""


def _within(address: IPAddress, networks) -> bool:
    return any(address.version == network.version and address in network for network in networks)


def _allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [_network(network, strict=False) for network in settings.HELPDESK_WEBHOOK_ALLOWED_NETWORKS]


def webhook_address_refusal(address: IPAddress) -> str | None:
    """Which class of refused address this is (a key of ``REFUSALS``), or None when a
    webhook may be sent to it. An IPv4-mapped IPv6 address (::ffff:127.0.0.1) counts as
    the IPv4 address it maps."""
    if isinstance(address, ipaddress.IPv6Address):
        address = address.ipv4_mapped or ipaddress.IPv6Address(int(address))  # without a %scope
    if address in METADATA_ADDRESSES:
        return METADATA
    if _within(address, UNSPECIFIED_NETWORKS):
        return UNSPECIFIED
    if _within(address, MULTICAST_NETWORKS):
        return MULTICAST
    if _within(address, _allowed_networks()):
        return None
    if _within(address, LOOPBACK_NETWORKS):
        return LOOPBACK
    if _within(address, LINK_LOCAL_NETWORKS):
        return LINK_LOCAL
    if _within(address, PRIVATE_NETWORKS):
        return None if settings.HELPDESK_WEBHOOK_ALLOW_PRIVATE else PRIVATE
    if _within(address, RESERVED_NETWORKS) or address.is_reserved or not address.is_global:
        return RESERVED
    return None


def _literal_address(host: str) -> IPAddress | None:
    """The address a URL's host names by itself, in any spelling a resolver takes for
    one (an IPv4 shorthand such as 127.1 or 2130706433 included), or None for a name."""
    host = host.rstrip(".")
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if _NUMERIC_HOST.fullmatch(host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:  # digits that make no address (999.1): no resolver answers them either
            return None
    return None


def _is_localhost(host: str) -> bool:
    """``localhost`` and its subdomains always name this server (RFC 6761)."""
    host = host.rstrip(".").lower()
    return host == "localhost" or host.endswith(".localhost")


def _refusal_error(*, refusal: str, host: str, address: IPAddress | None) -> ValidationError:
    shown = host if address is None or host == str(address) else f"{host} ({address})"
    return ValidationError(REFUSALS[refusal], code=refusal, params={"address": shown})


def webhook_url_validate(url: str) -> None:
    """Refuse, as the endpoint is saved, an address webhooks are not sent to: another
    scheme than http(s), credentials in it, or a host that is itself a refused address
    (``localhost`` included). Host names are resolved, and checked again, at each send."""
    try:
        parts = urlsplit(url)
        username, password, host = parts.username, parts.password, parts.hostname
    except ValueError as exc:  # an unbalanced [ in the host
        raise ValidationError(_("This address has no valid host."), code="host") from exc
    if parts.scheme.lower() not in SCHEMES:
        raise ValidationError(_("A webhook address starts with http:// or https://."), code="scheme")
    if username is not None or password is not None:
        raise ValidationError(
            _("A webhook address may not carry a user name or password: the receiver checks the signature instead."),
            code="credentials",
        )
    if not host:
        raise ValidationError(_("This address has no valid host."), code="host")
    address = _literal_address(host)
    candidates = [address] if address else []
    if address is None and _is_localhost(host):
        candidates = [ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1")]
    for candidate in candidates:
        refusal = webhook_address_refusal(candidate)
        if refusal is not None:
            raise _refusal_error(refusal=refusal, host=host, address=candidate)


def _resolve_checked(host: str, port: int) -> IPAddress:
    """Resolve ``host`` once and return the address to connect to: the first it has,
    provided none of them is refused (a name with a public and a private address could
    otherwise be steered to either)."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise requests.ConnectionError(_("The receiver's name %(host)s was not found.") % {"host": host}) from exc
    addresses = [ipaddress.ip_address(info[4][0]) for info in found if info[0] in (socket.AF_INET, socket.AF_INET6)]
    if not addresses:
        raise requests.ConnectionError(_("The receiver's name %(host)s was not found.") % {"host": host})
    for address in addresses:
        refusal = webhook_address_refusal(address)
        if refusal is not None:
            error = _refusal_error(refusal=refusal, host=host, address=address)
            raise WebhookAddressRefused(" ".join(error.messages))
    return addresses[0]


class CheckedAddressAdapter(HTTPAdapter):
    """A transport that connects only to the address it checked: the host is resolved
    once, here, and the connection opened to that address by number, with the name kept
    in the Host header and, over https, for SNI and the certificate check. No second
    look-up follows that a changed DNS answer (rebinding) could slip through. The hook
    is the one requests documents for changing the pool a request is sent through."""

    def build_connection_pool_key_attributes(self, request, verify, cert=None):
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(request, verify, cert)
        scheme, host, port = host_params["scheme"], host_params["host"], host_params["port"]
        if scheme not in SCHEMES or not host:
            raise WebhookAddressRefused(_("A webhook address starts with http:// or https://."))
        address = _resolve_checked(host, port or DEFAULT_PORTS[scheme])
        host_header = f"[{host}]" if ":" in host else host
        # A copy: the caller's headers may be shared with other requests.
        request.headers = CaseInsensitiveDict(request.headers)
        request.headers["Host"] = host_header if port is None else f"{host_header}:{port}"
        if scheme == "https":
            pool_kwargs["server_hostname"] = host
            pool_kwargs["assert_hostname"] = host
        host_params["host"] = str(address) if address.version == 4 else f"[{address}]"
        return host_params, pool_kwargs


def _session(url: str) -> requests.Session:
    """A session that sends through ``CheckedAddressAdapter`` alone. The environment's
    proxies are not used (a proxy would resolve the name itself, past the check), nor
    .netrc credentials (they are not the receiver's business); its CA bundle is."""
    session = requests.Session()
    session.verify = session.merge_environment_settings(url, {}, None, None, None)["verify"]
    session.trust_env = False
    adapter = CheckedAddressAdapter()
    for prefix in ("http://", "https://"):
        session.mount(prefix, adapter)
    return session


def _status_reason(status: int) -> str:
    if 300 <= status < 400:
        return _("a redirect, which webhooks never follow")
    if 400 <= status < 500:
        return _("the receiver refused the delivery")
    if 500 <= status < 600:
        return _("the receiver failed to take the delivery")
    return _("not a success")


def webhook_signature(*, secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"v1={digest}"


def webhook_send(*, url: str, secret: str, event: str, delivery: str, body: str) -> str:
    """POST one signed delivery to a checked address, following no redirect; returns the
    receiver's status as the provider id. Any answer but 2xx is a failure (retried by
    the outbox), recorded by its status code: what the receiver wrote is never kept."""
    try:
        webhook_url_validate(url)
    except ValidationError as exc:
        raise NotificationError(" ".join(exc.messages)) from exc
    raw = body.encode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "helpdesk-webhooks/1",
        EVENT_HEADER: event,
        DELIVERY_HEADER: delivery,
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: webhook_signature(secret=secret, timestamp=timestamp, body=raw),
    }
    with _session(url) as session:
        try:
            response = session.post(
                url,
                data=raw,
                headers=headers,
                timeout=settings.HELPDESK_WEBHOOK_TIMEOUT,
                allow_redirects=False,
                stream=True,  # the answer's body is never read: only its status counts
            )
        except WebhookAddressRefused as exc:
            raise NotificationError(str(exc)) from exc
        except requests.RequestException as exc:
            raise NotificationError(_("The receiver could not be reached: %(error)s") % {"error": exc}) from exc
        status = response.status_code
        response.close()
    if not 200 <= status < 300:
        raise NotificationError(
            _("The receiver answered HTTP %(status)s: %(reason)s.")
            % {"status": status, "reason": _status_reason(status)}
        )
    return f"HTTP {status}"
