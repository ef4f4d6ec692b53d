"""Stored attachments sent back as downloads that no browser runs as a page of ours."""

from django.http import FileResponse, Http404

from .models import Attachment
from .validators import attachment_content_type, served_content_type


def attachment_response(attachment: Attachment) -> FileResponse:
    """The file as a download under the name its uploader gave it (RFC 6266 ``filename*``
    for names beyond ASCII), typed by its content: only a few harmless types keep their
    own, anything else is ``application/octet-stream``. The type is read again from the
    file, so files stored before types were detected are served safely too. A file gone
    from the storage is a 404."""
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as missing:
        raise Http404 from missing
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.original_name,
        content_type=served_content_type(attachment_content_type(handle, attachment.original_name)),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    return response
