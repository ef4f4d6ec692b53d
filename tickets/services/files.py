"""Files on tickets: checked before anything is stored, removed again if the change fails."""

from collections.abc import Sequence

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


def files_validated(files: Sequence) -> list:
    files = [f for f in files if f]
    for upload in files:
        try:
            validate_attachment(upload)
        except Exception as exc:
            raise TicketError(" ".join(getattr(exc, "messages", [str(exc)]))) from exc
    return files


def stored_files_cleanup(attachments: list[Attachment]) -> None:
    for attachment in attachments:
        attachment.file.storage.delete(attachment.file.name)
