"""Files on tickets: checked before anything is stored, removed again if the change fails."""

from collections.abc import Sequence

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from ..choices import EventKind
from ..exceptions import TicketError
from ..models import Attachment, Comment, Ticket
from ..validators import attachment_content_type, attachment_name_clean, validate_attachment
from .common import event_record


def attachments_save(
    ticket: Ticket, comment: Comment | None, uploader, files: Sequence, saved: list[Attachment]
) -> list[Attachment]:
    """Store the files under names of their own, each row with the name the person gave it
    (cleaned) and the type its content shows; ``saved`` collects stored files as it goes,
    so the caller can delete them if the transaction rolls back."""
    for upload in files:
        name = attachment_name_clean(upload.name)
        attachment = Attachment(
            ticket=ticket,
            comment=comment,
            original_name=name,
            content_type=attachment_content_type(upload, name),
            size=upload.size,
            uploaded_by=uploader,
        )
        attachment.file.save(name, upload, save=False)
        saved.append(attachment)
        attachment.save()
        event_record(ticket, uploader, EventKind.ATTACHMENT_ADDED, field="attachment", new=name)
    return saved


def attachments_over_limits(files: Sequence) -> str:
    """What is wrong with the files of one post taken together (their number, their total
    size), in words for the person; "" when nothing."""
    limit, total_limit = settings.HELPDESK_ATTACHMENT_MAX_FILES, settings.HELPDESK_ATTACHMENT_MAX_TOTAL_BYTES
    if len(files) > limit:
        return _("%(count)s files were chosen; at most %(limit)s go with one message.") % {
            "count": len(files),
            "limit": limit,
        }
    total = sum(upload.size for upload in files)
    if total > total_limit:
        return _("The files add up to %(size)s; together they may be at most %(limit)s.") % {
            "size": filesizeformat(total),
            "limit": filesizeformat(total_limit),
        }
    return ""


def files_validated(files: Sequence, *, limits: bool = False) -> list:
    """The files, each checked (type, size, name); with ``limits``, also together (their
    number and total size: a post from a person)."""
    files = [f for f in files if f]
    for upload in files:
        try:
            validate_attachment(upload)
        except Exception as exc:
            raise TicketError(" ".join(getattr(exc, "messages", [str(exc)]))) from exc
    if limits:
        problem = attachments_over_limits(files)
        if problem:
            raise TicketError(problem)
    return files


def stored_files_cleanup(attachments: list[Attachment]) -> None:
    for attachment in attachments:
        attachment.file.storage.delete(attachment.file.name)
