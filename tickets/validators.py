from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _


def validate_attachment(upload) -> None:
    """Refuse files over the size limit or of a type not on the allowed list."""
    extension = PurePath(upload.name).suffix.lower().lstrip(".")
    allowed = settings.HELPDESK_ATTACHMENT_EXTENSIONS
    if extension not in allowed:
        raise ValidationError(
            _("Files of type “%(ext)s” are not accepted. Allowed: %(allowed)s.")
            % {"ext": extension or _("no extension"), "allowed": ", ".join(allowed)},
            code="attachment_type",
        )
    if upload.size > settings.HELPDESK_ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            _("“%(name)s” is %(size)s; the limit is %(limit)s.")
            % {
                "name": upload.name,
                "size": filesizeformat(upload.size),
                "limit": filesizeformat(settings.HELPDESK_ATTACHMENT_MAX_BYTES),
            },
            code="attachment_size",
        )
    if upload.size == 0:
        raise ValidationError(_("“%(name)s” is empty.") % {"name": upload.name}, code="attachment_empty")
