"""Reading the helpdesk's IMAP mailboxes: each mail is recorded and processed before the
mailbox lets go of it (deleted, or flagged as seen, by HELPDESK_MAILBOX_AFTER)."""

import base64
import imaplib
import logging
import math
import re
import ssl
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError
from django.utils import timezone
from django.utils.translation import gettext as _

from ..choices import InboundSource, InboundStatus, MailboxSecurity
from ..crypto import PasswordUnreadable, password_decrypt, password_encrypt, password_reencrypt
from ..models import Mailbox
from .email import inbound_email_process
from .receive import inbound_email_record

logger = logging.getLogger("intake.mailboxes")

LAST_ERROR_MAX = 1000


class MailboxError(Exception):
    """The mailbox could not be read; the message says why, for an administrator."""


@dataclass
class FetchSummary:
    """What one pass over a mailbox did."""

    mailbox: str
    found: int = 0
    recorded: int = 0
    already_recorded: int = 0
    removed: int = 0
    failed: int = 0
    statuses: Counter = field(default_factory=Counter)
    error: str = ""
    skipped: bool = False

    def __str__(self) -> str:
        if self.skipped:
            return _("%(mailbox)s: skipped (another worker is reading it).") % {"mailbox": self.mailbox}
        if self.error:
            return _("%(mailbox)s: %(error)s") % {"mailbox": self.mailbox, "error": self.error}
        outcome = ", ".join(f"{status}: {count}" for status, count in sorted(self.statuses.items()))
        return _(
            "%(mailbox)s: %(found)d found, %(recorded)d recorded, %(already)d recorded before, "
            "%(removed)d let go, %(failed)d left for the next pass%(outcome)s."
        ) % {
            "mailbox": self.mailbox,
            "found": self.found,
            "recorded": self.recorded,
            "already": self.already_recorded,
            "removed": self.removed,
            "failed": self.failed,
            "outcome": f" ({outcome})" if outcome else "",
        }


def mailbox_password_set(*, mailbox: Mailbox, password: str) -> None:
    """Keep the password encrypted (never in plain text); saved with the mailbox."""
    mailbox.password_encrypted = password_encrypt(password)


def mailbox_password_reencrypt(*, mailbox: Mailbox) -> None:
    """Encrypt the stored password again with the first key, if a key still reads it
    (a password no key reads is left as it is, to be entered again)."""
    if mailbox.password_encrypted:
        try:
            mailbox.password_encrypted = password_reencrypt(mailbox.password_encrypted)
        except PasswordUnreadable:
            pass


def _imap_utf7(name: str) -> str:
    """A folder name in IMAP's modified UTF-7 (RFC 3501 5.1.3), quoted."""
    out: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            encoded = base64.b64encode("".join(pending).encode("utf-16-be")).rstrip(b"=").replace(b"/", b",")
            out.append("&" + encoded.decode("ascii") + "-")
            pending.clear()

    for character in name:
        if 0x20 <= ord(character) <= 0x7E:
            flush()
            out.append("&-" if character == "&" else character)
        else:
            pending.append(character)
    flush()
    quoted = "".join(out).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{quoted}"'


def _ssl_context() -> ssl.SSLContext:
    context = ssl.create_default_context()
    if settings.HELPDESK_MAILBOX_CA_FILE:
        context.load_verify_locations(cafile=settings.HELPDESK_MAILBOX_CA_FILE)
    return context


def _error_text(error: BaseException | bytes | str | None) -> str:
    if error is None:
        return ""
    if isinstance(error, bytes):
        return error.decode(errors="replace")
    if isinstance(error, str):
        return error
    argument = error.args[0] if error.args else error
    if isinstance(argument, bytes):
        argument = argument.decode(errors="replace")
    return " ".join(str(argument).split())


def _connect(mailbox: Mailbox) -> imaplib.IMAP4:
    """A logged-in connection, the server's certificate checked; MailboxError otherwise."""
    try:
        password = password_decrypt(mailbox.password_encrypted) if mailbox.password_encrypted else ""
    except PasswordUnreadable:
        raise MailboxError(
            _("The stored password cannot be decrypted (the encryption key changed): enter it again.")
        ) from None
    timeout = settings.HELPDESK_MAILBOX_TIMEOUT
    where = f"{mailbox.host}:{mailbox.port}"
    connection: imaplib.IMAP4 | None = None
    try:
        if mailbox.security == MailboxSecurity.SSL:
            connection = imaplib.IMAP4_SSL(mailbox.host, mailbox.port, ssl_context=_ssl_context(), timeout=timeout)
        else:
            connection = imaplib.IMAP4(mailbox.host, mailbox.port, timeout=timeout)
            if mailbox.security == MailboxSecurity.STARTTLS:
                if "STARTTLS" not in connection.capabilities:
                    raise MailboxError(_("The server at %(where)s does not offer STARTTLS.") % {"where": where})
                connection.starttls(ssl_context=_ssl_context())
    except ssl.SSLCertVerificationError as error:
        _close(connection)
        raise MailboxError(
            _("The certificate of %(where)s was refused: %(reason)s")
            % {"where": where, "reason": error.verify_message or _error_text(error)}
        ) from error
    except (ssl.SSLError, imaplib.IMAP4.error, OSError, UnicodeError, ValueError) as error:
        _close(connection)
        if isinstance(error, MailboxError):
            raise
        raise MailboxError(
            _("Could not connect to %(where)s: %(reason)s") % {"where": where, "reason": _error_text(error)}
        ) from error
    try:
        if "AUTH=PLAIN" in connection.capabilities:
            # SASL PLAIN carries any password (imaplib's LOGIN only ASCII ones).
            credentials = f"\0{mailbox.username}\0{password}".encode()
            connection.authenticate("PLAIN", lambda _challenge: credentials)
        else:
            if any(character in mailbox.username + password for character in "\r\n\0"):
                raise imaplib.IMAP4.error("line breaks in the user name or password")
            connection.login(mailbox.username, password)
    except (imaplib.IMAP4.error, OSError, UnicodeError) as error:
        _close(connection)
        raise MailboxError(
            _("The server at %(where)s refused the user name or password (%(reason)s).")
            % {"where": where, "reason": _error_text(error)}
        ) from error
    return connection


def _select(connection: imaplib.IMAP4, mailbox: Mailbox) -> None:
    status, data = connection.select(_imap_utf7(mailbox.folder))
    if status != "OK":
        raise MailboxError(
            _("The folder %(folder)s cannot be opened: %(reason)s")
            % {"folder": mailbox.folder, "reason": _error_text(data[0] if data else b"")}
        )


def _close(connection: imaplib.IMAP4 | None) -> None:
    if connection is None:
        return
    try:
        connection.logout()
    except (imaplib.IMAP4.error, OSError):
        pass


def mailbox_check(*, mailbox_id: int) -> str:
    """Connect, sign in and open the folder; the answer for an administrator.
    Raises MailboxError with the reason."""
    mailbox = Mailbox.objects.get(pk=mailbox_id)
    connection = _connect(mailbox)
    try:
        try:
            _select(connection, mailbox)
            status, data = connection.uid("SEARCH", None, "UNDELETED")  # type: ignore[arg-type]
        except (imaplib.IMAP4.error, OSError) as error:
            raise MailboxError(_error_text(error)) from error
        count = len(data[0].split()) if status == "OK" and data and data[0] else 0
    finally:
        _close(connection)
    return _("Connected to %(where)s: the folder %(folder)s holds %(count)d message(s).") % {
        "where": f"{mailbox.host}:{mailbox.port}",
        "folder": mailbox.folder,
        "count": count,
    }


def _fetch_raw(connection: imaplib.IMAP4, uid: bytes) -> bytes | None:
    # PEEK: reading does not set \Seen, so a pass that dies leaves the mail as it was.
    status, data = connection.uid("FETCH", uid.decode(), "(BODY.PEEK[])")
    if status != "OK":
        raise imaplib.IMAP4.error(_error_text(data[0] if data else b"FETCH failed"))
    for part in data:
        if isinstance(part, tuple) and len(part) == 2:
            return part[1]
    return None  # gone meanwhile (another client expunged it)


def _remove(connection: imaplib.IMAP4, uid: bytes) -> None:
    """Let go of one mail: deleted (and expunged, that UID alone when the server can), or
    flagged as seen."""
    if settings.HELPDESK_MAILBOX_AFTER == "seen":
        connection.uid("STORE", uid.decode(), "+FLAGS.SILENT", r"(\Seen)")
        return
    connection.uid("STORE", uid.decode(), "+FLAGS.SILENT", r"(\Deleted)")
    if "UIDPLUS" in connection.capabilities:
        connection.uid("EXPUNGE", uid.decode())
    else:
        connection.expunge()


def _process(message, summary: FetchSummary) -> bool:
    """Process a recorded mail if nothing has yet; whether the mailbox may let go of it."""
    if message.status == InboundStatus.RECEIVED:
        try:
            message = inbound_email_process(message=message)
        except Exception:
            # Recorded, but not processed: it stays in the mailbox and the next pass
            # processes it (the record is found again by its Message-ID).
            logger.exception("Processing inbound message %s failed; it stays in the mailbox", message.pk)
            summary.failed += 1
            return False
    summary.statuses[message.status] += 1
    return message.status != InboundStatus.RECEIVED


def _store_outcome(mailbox: Mailbox, error: str) -> None:
    Mailbox.objects.filter(pk=mailbox.pk).update(last_polled_at=timezone.now(), last_error=error[:LAST_ERROR_MAX])


def mailbox_fetch(*, mailbox_id: int, after_each: Callable[[], object] | None = None) -> FetchSummary:
    """One pass over a mailbox: every mail recorded (once, by Message-ID), processed, then
    deleted or flagged as seen, each only after the one before has committed. A connection
    error is kept on the mailbox (last_error) and logged, never raised. Called outside a
    transaction (a task, the command), so that each mail's commit comes before its removal.
    ``after_each`` is called after every mail (the lock's holder renews it there)."""
    mailbox = Mailbox.objects.get(pk=mailbox_id)
    summary = FetchSummary(mailbox=mailbox.name)
    connection: imaplib.IMAP4 | None = None
    try:
        connection = _connect(mailbox)
        _select(connection, mailbox)
        criteria = "UNSEEN UNDELETED" if settings.HELPDESK_MAILBOX_AFTER == "seen" else "UNDELETED"
        status, data = connection.uid("SEARCH", None, criteria)  # type: ignore[arg-type]
        if status != "OK":
            raise MailboxError(_("The server refused the search: %(reason)s") % {"reason": _error_text(data[0])})
        uids = data[0].split() if data and data[0] else []
        summary.found = len(uids)
        for uid in uids:
            raw = _fetch_raw(connection, uid)
            if raw is None:
                continue
            message, created = inbound_email_record(raw=raw, source=InboundSource.IMAP, mailbox=mailbox)
            if created:
                summary.recorded += 1
            else:
                summary.already_recorded += 1
            del raw
            if _process(message, summary):
                _remove(connection, uid)
                summary.removed += 1
            if after_each is not None:
                after_each()
    except MailboxError as error:
        summary.error = str(error)
    except (imaplib.IMAP4.error, OSError, ssl.SSLError) as error:
        summary.error = _("The connection to %(where)s failed: %(reason)s") % {
            "where": f"{mailbox.host}:{mailbox.port}",
            "reason": _error_text(error) or error.__class__.__name__,
        }
    except Exception as error:
        # Anything else (the database gone, a bug): the pass stops, the mail not yet let go
        # of stays for the next one, and the worker and the other mailboxes carry on.
        logger.exception("Reading mailbox %s (%s) failed", mailbox.pk, mailbox.name)
        summary.error = _("Reading the mailbox failed (%(error)s); the next pass tries again.") % {
            "error": error.__class__.__name__
        }
    finally:
        _close(connection)
    if summary.error:
        logger.warning("Mailbox %s (%s): %s", mailbox.pk, mailbox.name, summary.error)
    try:
        _store_outcome(mailbox, summary.error)
    except DatabaseError:
        logger.exception("The outcome of reading mailbox %s could not be stored", mailbox.pk)
    return summary


def _lock_seconds() -> int:
    """How long the lock of a mailbox outlives its holder's last sign of life: the holder
    renews it after every mail, so a worker killed mid-pass keeps the mailbox from being
    read for at most this long (four times the IMAP timeout: two minutes by default). Were
    a pass ever to outlive it, the Message-ID's unique constraint still records no mail
    twice."""
    return max(1, math.ceil(4 * settings.HELPDESK_MAILBOX_TIMEOUT))


def _lock_key(mailbox_id: int) -> str:
    return f"intake:mailbox-fetch:{mailbox_id}"


def mailbox_fetch_locked(*, mailbox_id: int) -> FetchSummary:
    """mailbox_fetch while holding the mailbox's lock in the shared cache, so that no two
    workers read one mailbox at once; a pass that finds it held is skipped."""
    key = _lock_key(mailbox_id)
    token = uuid.uuid4().hex
    seconds = _lock_seconds()
    if not cache.add(key, token, timeout=seconds):
        name = Mailbox.objects.filter(pk=mailbox_id).values_list("name", flat=True).first() or str(mailbox_id)
        return FetchSummary(mailbox=name, skipped=True)
    try:
        return mailbox_fetch(mailbox_id=mailbox_id, after_each=lambda: cache.touch(key, seconds))
    finally:
        if cache.get(key) == token:
            cache.delete(key)


def mailbox_idle_wait(*, mailbox_id: int, timeout: float) -> bool:
    """Wait, with IMAP IDLE (RFC 2177), until the mailbox's folder holds mail to read or
    ``timeout`` seconds pass; True when there is mail. Mail already waiting answers at once,
    so mail that arrives between a pass and the wait is never missed. MailboxError when the
    mailbox cannot be read or the server does not offer IDLE."""
    mailbox = Mailbox.objects.get(pk=mailbox_id)
    connection = _connect(mailbox)
    try:
        _select(connection, mailbox)
        criteria = "UNSEEN UNDELETED" if settings.HELPDESK_MAILBOX_AFTER == "seen" else "UNDELETED"
        status, data = connection.uid("SEARCH", None, criteria)  # type: ignore[arg-type]
        if status == "OK" and data and data[0]:
            return True
        if "IDLE" not in connection.capabilities:
            raise MailboxError(_("The server does not offer IDLE."))
        return _idle(connection, timeout)
    except (imaplib.IMAP4.error, OSError, ssl.SSLError) as error:
        raise MailboxError(
            _("The connection to %(where)s failed: %(reason)s")
            % {"where": f"{mailbox.host}:{mailbox.port}", "reason": _error_text(error) or error.__class__.__name__}
        ) from error
    finally:
        _close(connection)


def _idle(connection: imaplib.IMAP4, timeout: float) -> bool:
    # imaplib has no IDLE before Python 3.14: the command by hand, on its socket.
    tag = connection._new_tag()
    connection.send(tag + b" IDLE\r\n")
    if not connection.readline().startswith(b"+"):
        raise imaplib.IMAP4.error("IDLE refused")
    deadline = time.monotonic() + timeout
    while (remaining := deadline - time.monotonic()) > 0:
        connection.sock.settimeout(remaining)
        try:
            line = connection.readline()
        except TimeoutError:
            # A timed-out socket file cannot be read again: this connection is done.
            connection.shutdown()
            return False
        if not line:
            raise imaplib.IMAP4.abort("the server closed the connection")
        if re.match(rb"^\* \d+ (EXISTS|RECENT)", line):
            break
    else:
        connection.shutdown()
        return False
    connection.sock.settimeout(settings.HELPDESK_MAILBOX_TIMEOUT)
    connection.send(b"DONE\r\n")
    while not connection.readline().startswith(tag):
        pass
    return True
