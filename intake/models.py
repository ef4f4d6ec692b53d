from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.choices import Level

from .choices import InboundSource, InboundStatus, MailboxSecurity, SmsGateway, SmsOutcome


class Mailbox(models.Model):
    """An IMAP mailbox the helpdesk reads: new mail opens tickets, replies join them."""

    name = models.CharField(_("name"), max_length=120)
    is_active = models.BooleanField(_("active"), default=True)
    host = models.CharField(_("IMAP server"), max_length=255)
    port = models.PositiveIntegerField(_("port"), default=993)
    security = models.CharField(
        _("security"), max_length=8, choices=MailboxSecurity.choices, default=MailboxSecurity.SSL
    )
    username = models.CharField(_("user name"), max_length=255)
    # Encrypted at rest (intake.crypto); never shown back once saved.
    password_encrypted = models.TextField(_("password (encrypted)"), blank=True, editable=False)
    folder = models.CharField(_("folder"), max_length=255, default="INBOX")
    category = models.ForeignKey(
        "tickets.Category",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("default category"),
    )
    level = models.PositiveSmallIntegerField(
        _("default level"),
        choices=Level.choices,
        null=True,
        blank=True,
        help_text=_("Leave empty to route by the category."),
    )
    last_polled_at = models.DateTimeField(_("last read"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")

    def __str__(self) -> str:
        return self.name


def inbound_upload_to(instance: "InboundMessage", filename: str) -> str:
    return f"{timezone.now():inbound/%Y/%m}/{filename}"


class InboundMessage(models.Model):
    """One mail as it arrived, kept whole: recorded (once, by its Message-ID) before the
    mailbox lets go of it, then processed into a ticket or a comment, or held, refused or
    ignored with the reason."""

    message_id = models.CharField(_("Message-ID"), max_length=500, unique=True)
    source = models.CharField(_("source"), max_length=8, choices=InboundSource.choices)
    mailbox = models.ForeignKey(
        Mailbox, on_delete=models.SET_NULL, null=True, blank=True, related_name="messages", verbose_name=_("mailbox")
    )
    sender = models.CharField(_("from"), max_length=320, blank=True)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    raw = models.FileField(_("message"), upload_to=inbound_upload_to, max_length=255)
    size = models.PositiveIntegerField(_("size"), default=0)
    status = models.CharField(_("status"), max_length=10, choices=InboundStatus.choices, default=InboundStatus.RECEIVED)
    reason = models.TextField(_("reason"), blank=True)
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inbound_messages",
        verbose_name=_("ticket"),
    )
    comment = models.ForeignKey(
        "tickets.Comment", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("comment")
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("inbound message")
        verbose_name_plural = _("inbound messages")
        indexes = [
            models.Index(fields=["status", "received_at"], name="inbound_status_idx"),
            models.Index(fields=["sender", "received_at"], name="inbound_sender_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.sender}: {self.subject}"


class InboundSms(models.Model):
    """One SMS as a gateway handed it in, with what became of it and the answer sent back:
    a comment, a new ticket, a page acknowledged, or refused with the reason. Recorded
    once per gateway message id (a gateway that retries a delivery gets the same answer)."""

    gateway = models.CharField(_("gateway"), max_length=8, choices=SmsGateway.choices)
    message_id = models.CharField(_("gateway message id"), max_length=100, blank=True)
    from_number = models.CharField(_("from"), max_length=40)
    to_number = models.CharField(_("to"), max_length=40, blank=True)
    body = models.TextField(_("text"), blank=True)
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sender"),
    )
    outcome = models.CharField(_("outcome"), max_length=12, choices=SmsOutcome.choices)
    reason = models.TextField(_("reason"), blank=True)
    answer = models.TextField(_("answer"), blank=True)
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inbound_sms",
        verbose_name=_("ticket"),
    )
    comment = models.ForeignKey(
        "tickets.Comment", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("comment")
    )
    received_at = models.DateTimeField(_("received"), default=timezone.now)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("inbound SMS")
        verbose_name_plural = _("inbound SMS")
        constraints = [
            models.UniqueConstraint(
                fields=["gateway", "message_id"], condition=~models.Q(message_id=""), name="inbound_sms_once"
            )
        ]
        indexes = [models.Index(fields=["from_number", "received_at"], name="inbound_sms_sender_idx")]

    def __str__(self) -> str:
        return f"{self.from_number}: {self.body[:40]}"
