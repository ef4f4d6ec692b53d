"""Files on tickets: checked before anything is stored, removed again if the change fails."""

from collections.abc import Sequence

from ..choices import EventKind
from ..exceptions import TicketError
from ..models import Attachment, Comment, Ticket
from ..validators import validate_attachment
from .common import event_record


def attachments_save(
    ticket: Ticket, comment: Comment | None, uploader, files: Sequence, saved: list[Attachment]
) -> list[Attachment]:
    """Store the files and their rows; ``saved`` collects stored files as it goes, so the
    caller can delete them if the transaction rolls back."""
    for upload in files:
        attachment = Attachment(
            ticket=ticket,
            comment=comment,
            original_name=upload.name[:255],
            content_type=(getattr(upload, "content_type", "") or "application/octet-stream")[:100],
            size=upload.size,
            uploaded_by=uploader,
        )
        attachment.file.save(upload.name, upload, save=False)
        saved.append(attachment)
        attachment.save()
        event_record(ticket, uploader, EventKind.ATTACHMENT_ADDED, field="attachment", new=attachment.original_name)
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
