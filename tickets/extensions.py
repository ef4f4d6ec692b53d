"""Where apps above ``tickets`` add to a new ticket without ``tickets`` importing them.

``tickets`` sits below the apps that know about devices, contracts or purchases, so it
may not import them. Instead an app registers a :class:`NewTicketExtension` from its
``AppConfig.ready()``::

    from tickets.extensions import NewTicketExtension, new_ticket_extension_register

    new_ticket_extension_register(NewTicketExtension(
        name="assets",
        fields=device_fields,        # (user) -> {"asset": forms.ModelChoiceField(...)}
        on_create=device_attach,     # (*, ticket, data, by) -> None
    ))

- ``fields(user)`` returns the extra form fields the requester's new-ticket form shows
  for this person (an empty dict shows nothing). Their names must not clash with the
  form's own fields or another extension's.
- ``on_create(ticket=..., data=..., by=...)`` is called by ``ticket_create`` inside its
  transaction, after the ticket, its first event and its files are written, with the
  form's cleaned data (``{}`` when the ticket came from somewhere without a form: mail,
  the API, a logged call). It may write rows of its own app; raising a ``TicketError``
  refuses the whole ticket, so nothing is half-saved.

Extensions run in the order they registered; registering the same name twice replaces
the first (so a reloaded app does not run twice)."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class NewTicketExtension:
    name: str
    fields: Callable[[Any], dict[str, Any]]
    on_create: Callable[..., None]


_EXTENSIONS: dict[str, NewTicketExtension] = {}


def new_ticket_extension_register(extension: NewTicketExtension) -> None:
    _EXTENSIONS[extension.name] = extension


def new_ticket_extensions() -> list[NewTicketExtension]:
    return list(_EXTENSIONS.values())


def new_ticket_extra_fields(user) -> dict[str, Any]:
    """Every extension's fields for this person's new-ticket form, in registration order."""
    fields: dict[str, Any] = {}
    for extension in _EXTENSIONS.values():
        fields.update(extension.fields(user))
    return fields


def new_ticket_created(*, ticket, data: dict, by) -> None:
    """Hand the new ticket and the form's data to every extension (inside ticket_create's transaction)."""
    for extension in _EXTENSIONS.values():
        extension.on_create(ticket=ticket, data=data, by=by)


# Apps that route work (routing) hear when tickets join a level's unassigned queue: filed,
# escalated or sent back down. Called inside the writer's transaction with the levels
# (each once); a listener defers its work to after the commit.
_LEVEL_ENTRY: dict[str, Callable[..., None]] = {}


def level_entry_listener_register(name: str, listener: Callable[..., None]) -> None:
    _LEVEL_ENTRY[name] = listener


def tickets_entered_levels(*, levels) -> None:
    """Tell every listener that unassigned tickets joined these levels."""
    distinct = sorted(set(levels))
    if not distinct:
        return
    for listener in _LEVEL_ENTRY.values():
        listener(levels=distinct)


# Apps that keep rows of their own per ticket (assets: the devices a ticket is about) carry
# a merged duplicate's over to the ticket it was merged into. Called inside ticket_merge's
# transaction, both tickets locked; a listener moves its rows with set-based SQL and keeps
# each fact once (a row the target has already is not made twice).
_MERGE: dict[str, Callable[..., None]] = {}


def merge_listener_register(name: str, listener: Callable[..., None]) -> None:
    _MERGE[name] = listener


def tickets_merged(*, duplicate_id: int, target_id: int, by) -> None:
    """Tell every listener that the ticket ``duplicate_id`` was merged into ``target_id``."""
    for listener in _MERGE.values():
        listener(duplicate_id=duplicate_id, target_id=target_id, by=by)
