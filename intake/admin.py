from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.http import FileResponse, Http404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from .choices import RETRYABLE_STATUSES
from .models import InboundMessage, InboundSms, Mailbox
from .services import (
    MailboxError,
    inbound_email_process,
    mailbox_check,
    mailbox_password_reencrypt,
    mailbox_password_set,
)

CONTROL_CHARACTERS = RegexValidator(r"[\x00-\x1f\x7f]", _("Control characters are not allowed."), inverse_match=True)
HOST = RegexValidator(
    r"^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$|^\[?[0-9A-Fa-f:.]+\]?$",
    _("Enter the server's name or address (letters, digits, dots and hyphens)."),
)


class MailboxForm(forms.ModelForm):
    """The mailbox's settings; its password is written, never shown back, and kept encrypted."""

    host = forms.CharField(label=_("IMAP server"), max_length=255, validators=[HOST])
    port = forms.IntegerField(label=_("port"), initial=993, validators=[MinValueValidator(1), MaxValueValidator(65535)])
    username = forms.CharField(label=_("user name"), max_length=255, validators=[CONTROL_CHARACTERS])
    password = forms.CharField(
        label=_("password"),
        required=False,
        strip=False,
        max_length=1000,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Stored encrypted and never shown again. Leave empty to keep the stored one."),
    )
    folder = forms.CharField(label=_("folder"), max_length=255, initial="INBOX", validators=[CONTROL_CHARACTERS])

    class Meta:
        model = Mailbox
        fields = [
            "name",
            "is_active",
            "host",
            "port",
            "security",
            "username",
            "password",
            "folder",
            "category",
            "level",
        ]

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if "\x00" in password:
            raise ValidationError(_("The password cannot hold a NUL character."))
        if not password and not (self.instance.pk and self.instance.password_encrypted):
            raise ValidationError(_("Enter the mailbox's password."))
        return password

    def save(self, commit: bool = True) -> Mailbox:
        mailbox = super().save(commit=False)
        if self.cleaned_data["password"]:
            mailbox_password_set(mailbox=mailbox, password=self.cleaned_data["password"])
        else:
            mailbox_password_reencrypt(mailbox=mailbox)
        if commit:
            mailbox.save()
            self.save_m2m()
        return mailbox


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    form = MailboxForm
    list_display = ("name", "is_active", "host", "port", "security", "username", "folder", "last_polled_at", "error")
    list_filter = ("is_active", "security")
    search_fields = ("name", "host", "username")
    readonly_fields = ("password_stored", "last_polled_at", "last_error")
    actions = ["check_connection"]

    @admin.display(description=_("password stored"), boolean=True)
    def password_stored(self, mailbox: Mailbox) -> bool:
        return bool(mailbox.password_encrypted)

    @admin.display(description=_("last error"))
    def error(self, mailbox: Mailbox) -> str:
        return mailbox.last_error[:120]

    @admin.action(description=_("Check the connection"))
    def check_connection(self, request, queryset) -> None:
        for mailbox in queryset:
            try:
                answer = mailbox_check(mailbox_id=mailbox.pk)
            except MailboxError as error:
                self.message_user(
                    request,
                    gettext("%(mailbox)s: %(error)s") % {"mailbox": mailbox.name, "error": error},
                    messages.ERROR,
                )
            else:
                self.message_user(
                    request, gettext("%(mailbox)s: %(answer)s") % {"mailbox": mailbox.name, "answer": answer}
                )


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin):
    """Every mail that came in, read-only: what became of it and why, the mail itself to
    download, and another try for the ones not (or not well) processed."""

    list_display = ("received_at", "sender", "subject", "status", "source", "mailbox", "ticket", "short_reason")
    list_filter = ("status", "source", "mailbox")
    search_fields = ("sender", "subject", "message_id", "reason")
    list_select_related = ("mailbox", "ticket")
    fields = (
        "message_id",
        "source",
        "mailbox",
        "sender",
        "subject",
        "size",
        "download",
        "status",
        "reason",
        "ticket",
        "comment",
        "attempts",
        "received_at",
        "processed_at",
    )
    readonly_fields = fields
    actions = ["process_again"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_process_permission(self, request) -> bool:
        return request.user.has_perm("intake.change_inboundmessage")

    @admin.display(description=_("reason"))
    def short_reason(self, message: InboundMessage) -> str:
        return message.reason[:120]

    @admin.display(description=_("message"))
    def download(self, message: InboundMessage) -> str:
        if not message.raw:
            return "-"
        url = reverse("admin:intake_inboundmessage_raw", args=[message.pk])
        return format_html('<a href="{}" download>{}</a>', url, gettext("Download (.eml)"))

    def get_urls(self):
        return [
            path("<int:pk>/raw/", self.admin_site.admin_view(self.raw_view), name="intake_inboundmessage_raw"),
            *super().get_urls(),
        ]

    def raw_view(self, request, pk: int):
        """The mail as it arrived, as a download: never rendered by the browser."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        message = InboundMessage.objects.filter(pk=pk).first()
        if message is None or not message.raw:
            raise Http404
        try:
            handle = message.raw.open("rb")
        except FileNotFoundError:
            raise Http404 from None
        response = FileResponse(
            handle, as_attachment=True, filename=f"inbound-{message.pk}.eml", content_type="application/octet-stream"
        )
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        response["X-Content-Type-Options"] = "nosniff"
        return response

    @admin.action(description=_("Process again"), permissions=["process"])
    def process_again(self, request, queryset) -> None:
        done = skipped = failed = 0
        for message in queryset:
            if message.status not in RETRYABLE_STATUSES:
                skipped += 1
                continue
            try:
                inbound_email_process(message=message)
            except Exception as error:  # shown to the administrator; the mail stays as it was
                failed += 1
                self.message_user(
                    request,
                    gettext("%(message)s: %(error)s") % {"message": message, "error": error.__class__.__name__},
                    messages.ERROR,
                )
            else:
                done += 1
        if done:
            self.message_user(
                request,
                ngettext("%(count)d message processed again.", "%(count)d messages processed again.", done)
                % {"count": done},
            )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d message was left as it is: only received, held and failed ones are processed again.",
                    "%(count)d messages were left as they are: only received, held and failed ones are processed again.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )


@admin.register(InboundSms)
class InboundSmsAdmin(admin.ModelAdmin):
    """Every SMS that came in, read-only: who sent it, what became of it and the answer."""

    list_display = ("received_at", "from_number", "sender", "outcome", "ticket", "gateway")
    list_filter = ("outcome", "gateway")
    search_fields = ("from_number", "body", "message_id")
    list_select_related = ("sender", "ticket")
    fields = (
        "gateway",
        "message_id",
        "from_number",
        "to_number",
        "sender",
        "body",
        "outcome",
        "reason",
        "answer",
        "ticket",
        "comment",
        "received_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
