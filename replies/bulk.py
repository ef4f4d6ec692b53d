"""A canned reply sent to many tickets at once: the queue's bulk bar and the API's bulk
endpoint offer it (tickets.services.bulk), each ticket getting the reply filled in for it
and the changes it makes, through the same services as a reply sent from its page."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tickets.exceptions import TicketError
from tickets.services import BulkAction, comment_add_and_change

from .selectors import canned_replies_of, canned_reply_filled, canned_reply_for_ticket


def _reply_send(*, ticket, by, params):
    try:
        reply_id = int(params["reply"])
    except (TypeError, ValueError):
        reply_id = 0
    reply = canned_reply_for_ticket(user=by, ticket=ticket, reply_id=reply_id)
    if reply is None:
        raise TicketError(
            _("That canned reply cannot be sent on %(ref)s (not yours, or not shared with its level).")
            % {"ref": ticket.reference}
        )
    filled = canned_reply_filled(reply=reply, ticket=ticket, agent=by)
    return comment_add_and_change(ticket_id=ticket.pk, author=by, body=filled["text"], **filled["changes"])


def _reply_options(user) -> list[tuple[int, str]]:
    return [(reply.pk, reply.title) for reply in canned_replies_of(user=user)]


REPLY_ACTION = BulkAction(
    "reply", gettext_lazy("Send a canned reply"), _reply_send, needs=("reply",), options=_reply_options
)
