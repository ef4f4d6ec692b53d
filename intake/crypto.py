"""Mailbox passwords at rest: encrypted with Fernet (AES-128-CBC and HMAC-SHA256).

The key is HELPDESK_MAILBOX_KEY, else one derived from SECRET_KEY. HELPDESK_MAILBOX_KEY may
hold several keys, comma-separated: the first encrypts, every one decrypts, so a key can be
replaced by putting the new one first and saving each mailbox again."""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class PasswordUnreadable(Exception):
    """The stored password was encrypted with a key this process does not have."""


def _keys() -> list[bytes]:
    configured = [key.strip() for key in settings.HELPDESK_MAILBOX_KEY.split(",") if key.strip()]
    if configured:
        return [key.encode() for key in configured]
    digest = hashlib.sha256(b"helpdesk.intake.mailbox-password:" + settings.SECRET_KEY.encode()).digest()
    return [base64.urlsafe_b64encode(digest)]


def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(key) for key in _keys()])


def password_encrypt(password: str) -> str:
    return _fernet().encrypt(password.encode()).decode("ascii")


def password_decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode("ascii")).decode()
    except (InvalidToken, ValueError) as error:
        raise PasswordUnreadable from error


def password_reencrypt(token: str) -> str:
    """The same password encrypted with the first key (after a new key was put first)."""
    try:
        return _fernet().rotate(token.encode("ascii")).decode("ascii")
    except (InvalidToken, ValueError) as error:
        raise PasswordUnreadable from error
