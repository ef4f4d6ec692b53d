"""Writes of the canned replies: saved and deleted by the people allowed to.

Anyone who works tickets keeps personal replies of their own; replies shared with a level
are written by supervisors and administrators (and in the admin). Every text is checked for
placeholders before it is saved (replies/placeholders.py)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import Level
from accounts.selectors import agent_levels
from tickets.choices import Impact, Urgency
from tickets.text import multi_line, single_line

from .choices import BODY_MAX_LENGTH, REPLY_STATUSES, TITLE_MAX_LENGTH
from .exceptions import CannedReplyError
from .models import CannedReply
from .placeholders import placeholders_check


def may_share(user) -> bool:
    """Whether the person may write replies shared with a level."""
    return bool(agent_levels(user)) and user.has_perm("tickets.supervise_ticket")


def may_manage(user, reply: CannedReply) -> bool:
    """Whether the person may change or delete this reply."""
    if not agent_levels(user):
        return False
    return may_share(user) if reply.is_shared else reply.owner_id == user.pk


def canned_reply_text_errors(*, title: str, body_en: str, body_id: str) -> list[str]:
    """What is wrong with a reply's texts, in words for the person ([] when nothing)."""
    problems = []
    if not title:
        problems.append(_("Give the reply a title."))
    elif len(title) > TITLE_MAX_LENGTH:
        problems.append(_("Keep the title under %(n)s characters.") % {"n": TITLE_MAX_LENGTH})
    if not body_en and not body_id:
        problems.append(_("Write the reply in English, in Bahasa Indonesia, or both."))
    for body in (body_en, body_id):
        if len(body) > BODY_MAX_LENGTH:
            problems.append(_("Keep each text under %(n)s characters.") % {"n": BODY_MAX_LENGTH})
        try:
            placeholders_check(body)
        except ValidationError as error:
            problems += [message for message in error.messages if message not in problems]
    return problems


@transaction.atomic
def canned_reply_save(
    *,
    by,
    title: str,
    body_en: str,
    body_id: str,
    level: int | None = None,
    set_status: str = "",
    set_impact: str = "",
    set_urgency: str = "",
    reply_id: int | None = None,
) -> CannedReply:
    """Create (or, with ``reply_id``, change) a canned reply: personal to ``by`` when
    ``level`` is None, else shared with that level (supervisors and administrators only)."""
    if not agent_levels(by):
        raise CannedReplyError(_("Only support staff have canned replies."))
    title = single_line(title or "")
    body_en, body_id = multi_line(body_en or ""), multi_line(body_id or "")
    problems = canned_reply_text_errors(title=title, body_en=body_en, body_id=body_id)
    if problems:
        raise CannedReplyError(" ".join(problems))
    if level is not None and level not in Level.values:
        raise CannedReplyError(_("Choose a support level from the list."))
    if level is not None and not may_share(by):
        raise CannedReplyError(_("Only supervisors and administrators write replies shared with a level."))
    if set_status not in ("", *dict(REPLY_STATUSES)):
        raise CannedReplyError(_("Choose a status from the list."))
    if set_impact not in ("", *Impact.values) or set_urgency not in ("", *Urgency.values):
        raise CannedReplyError(_("Choose an impact and an urgency from the lists."))
    now = timezone.now()
    if reply_id is None:
        reply = CannedReply(created_at=now)
    else:
        found = CannedReply.objects.select_for_update().filter(pk=reply_id).first()
        if found is None or not may_manage(by, found):
            raise CannedReplyError(_("That canned reply does not exist, or is not yours to change."))
        reply = found
    reply.title, reply.body_en, reply.body_id = title, body_en, body_id
    reply.level = level
    reply.owner = None if level is not None else (by if reply_id is None or reply.owner_id is None else reply.owner)
    reply.set_status, reply.set_impact, reply.set_urgency = set_status, set_impact, set_urgency
    reply.updated_at = now
    reply.save()
    return reply


@transaction.atomic
def canned_reply_delete(*, by, reply_id: int) -> None:
    """Delete a canned reply its person (or, for a shared one, a supervisor) may manage."""
    reply = CannedReply.objects.select_for_update().filter(pk=reply_id).first()
    if reply is None or not may_manage(by, reply):
        raise CannedReplyError(_("That canned reply does not exist, or is not yours to change."))
    reply.delete()
