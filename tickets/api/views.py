"""The tickets API: thin views over the same selectors and services as the pages."""

from django.db import transaction
from django.http import QueryDict
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from accounts.selectors import agent_levels
from api import views as base
from api.exceptions import Conflict, IllegalTransition, Invalid, Refused
from api.idempotency import idempotent
from api.pagination import TicketCursorPagination
from api.parsers import BoundedJSONParser
from api.schema import error_responses

from .. import services
from ..downloads import attachment_response
from ..exceptions import NotAllowedError, TicketError, TransitionError
from ..models import (
    Attachment,
    Category,
    Comment,
    SavedView,
    Ticket,
    TicketChecklistItem,
    TicketEvent,
    TicketReminder,
    TicketWatcher,
    TimeEntry,
)
from ..selectors import (
    attachment_get_for_user,
    saved_views_for,
    sla_status,
    ticket_children,
    ticket_events_visible,
    ticket_get_for_user,
    ticket_links_for_user,
    ticket_list_for_api,
    ticket_reminders,
    ticket_time_entries,
    ticket_watchers,
)
from . import serializers as s
from .filters import TicketApiFilter

IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description=_("The ticket's version (ETag); the change is refused with 409 if the ticket changed since."),
)
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description=_("Any unique string: retrying the same request with the same key creates nothing twice."),
)
ERRORS = error_responses(400, 403, 404, 409)


class _RefusalsAsErrors:
    """A refused ticket change as the API's error: not allowed 403, an illegal move 409,
    anything else the service refused 400, each with the service's message."""

    def handle_exception(self, exc):
        if isinstance(exc, NotAllowedError):
            exc = Refused(exc.message)
        elif isinstance(exc, TransitionError):
            exc = IllegalTransition(exc.message)
        elif isinstance(exc, TicketError):
            exc = Invalid(exc.message)
        return super().handle_exception(exc)  # type: ignore[misc]


class ApiView(_RefusalsAsErrors, base.ApiView):
    pass


class ListApiView(_RefusalsAsErrors, base.ListApiView):
    pass


class ListCreateApiView(_RefusalsAsErrors, base.ListCreateApiView):
    pass


class _TicketPartsList(ListApiView):
    """A short list that belongs to one ticket (its watchers, reminders, children), in
    the order it keeps: not paged, nothing to sort or filter by. ``parts`` reads it from
    the ticket the path names, found for the person asking."""

    pagination_class = None
    filter_backends: list = []
    model: type

    def ticket(self) -> Ticket:
        return ticket_get_for_user(user=self.request.user, reference=self.kwargs["reference"])

    def parts(self, ticket: Ticket):
        raise NotImplementedError  # pragma: no cover - each list says what it holds

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.model.objects.none()
        return self.parts(self.ticket())


def _ticket_response(ticket: Ticket, *, code: int = status.HTTP_200_OK, headers: dict | None = None) -> Response:
    response = Response(s.TicketSerializer(ticket).data, status=code, headers=headers)
    response["ETag"] = s.ticket_version(ticket)
    return response


def _fresh(ticket_id: int) -> Ticket:
    return Ticket.objects.select_related("requester", "assignee", "category").get(pk=ticket_id)


def _check_version(request, ticket: Ticket) -> None:
    """Refuse the change when the client's If-Match names another version of the ticket."""
    expected = request.headers.get("If-Match", "").strip()
    if expected and expected != "*":
        locked = Ticket.objects.select_for_update(of=("self",)).only("updated_at").get(pk=ticket.pk)
        current = s.ticket_version(locked)
        if expected.removeprefix("W/") != current:
            raise Conflict(
                _("%(ref)s changed since you read it (version %(current)s). Read it again, then retry.")
                % {"ref": ticket.reference, "current": current}
            )


# 400 for a filter value that does not parse, 404 for a cursor that is not one of ours.
@extend_schema_view(get=extend_schema(responses={200: s.TicketSerializer, 400: ERRORS[400], 404: ERRORS[404]}))
class TicketList(ListCreateApiView):
    """Tickets you may see: your own as a requester, every ticket as support staff."""

    serializer_class = s.TicketSerializer
    pagination_class = TicketCursorPagination
    filterset_class = TicketApiFilter
    ordering_fields = ["created_at", "updated_at", "priority", "sla_due_at"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Ticket.objects.none()
        return ticket_list_for_api(user=self.request.user)

    @extend_schema(
        request=s.TicketCreateSerializer,
        # 409: the Idempotency-Key was used for another request.
        responses={201: s.TicketSerializer, 400: ERRORS[400], 409: ERRORS[409]},
        parameters=[IDEMPOTENCY_KEY],
    )
    def post(self, request, *args, **kwargs):
        def create() -> Response:
            data = s.TicketCreateSerializer(data=request.data, context={"request": request})
            data.is_valid(raise_exception=True)
            fields = dict(data.validated_data)
            requester = fields.pop("requester", request.user)
            by = None if requester.pk == request.user.pk else request.user
            ticket = services.ticket_create(requester=requester, by=by, **fields)
            # The new ticket as the service stored it (its SLA columns included), with the
            # requester and category already at hand: reading it back again would cost a
            # query and a tenth of the request's CPU time (bench/api.py).
            return _ticket_response(
                ticket,
                code=status.HTTP_201_CREATED,
                headers={"Location": f"/api/v1/tickets/{ticket.reference}/"},
            )

        return idempotent(request, create)


class TicketBulk(ApiView):
    """One action for many tickets (at most HELPDESK_BULK_MAX_TICKETS), each through the
    same service as one at a time and in its own transaction: the answer lists every
    ticket, done or refused with the reason (a level rule, a closed ticket, a level you do
    not work, not found). A refused ticket never undoes the others. Support staff only."""

    @extend_schema(
        request=s.BulkSerializer,
        responses={200: s.BulkResultSerializer, **error_responses(400, 403)},
        operation_id="tickets_bulk",
        summary="Apply one action to many tickets",
    )
    def post(self, request):
        if not agent_levels(request.user):
            raise Refused(_("Only support staff can change tickets in bulk."))
        data = s.BulkSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        outcomes = services.tickets_bulk_apply(
            by=request.user, references=fields["tickets"], action=fields["action"], params=fields["params"]
        )
        results = [
            {"ticket": o.reference, "result": "done" if o.done else "refused", "message": o.message} for o in outcomes
        ]
        done = sum(1 for o in outcomes if o.done)
        return Response(
            s.BulkResultSerializer(
                {"action": fields["action"], "done": done, "refused": len(outcomes) - done, "results": results}
            ).data
        )


class TicketDetail(ApiView):
    """One ticket; support staff correct its impact, urgency and category, its subject and
    description (each correction an ``edited`` event that keeps the earlier text)."""

    @extend_schema(responses={200: s.TicketSerializer, 404: ERRORS[404]})
    def get(self, request, reference: str):
        return _ticket_response(ticket_get_for_user(user=request.user, reference=reference))

    @extend_schema(
        request=s.TicketUpdateSerializer, responses={200: s.TicketSerializer, **ERRORS}, parameters=[IF_MATCH]
    )
    def patch(self, request, reference: str):
        ticket = ticket_get_for_user(user=request.user, reference=reference, write=True)
        data = s.TicketUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        changes = data.validated_data
        words = {key: changes[key] for key in ("subject", "description") if key in changes}
        with transaction.atomic():
            _check_version(request, ticket)
            if words:
                services.ticket_edit(ticket_id=ticket.pk, by=request.user, **words)
            if not words or {"impact", "urgency", "category"} & set(changes):
                services.ticket_reclassify(
                    ticket_id=ticket.pk,
                    by=request.user,
                    impact=changes.get("impact", ticket.impact),
                    urgency=changes.get("urgency", ticket.urgency),
                    category=changes["category"] if "category" in changes else ticket.category,
                )
        return _ticket_response(_fresh(ticket.pk))


class _TicketAction(ApiView):
    """POST to one action of one ticket; answers with the ticket as it now is."""

    input_serializer: type | None = None

    def act(self, request, ticket: Ticket, data: dict) -> None:  # pragma: no cover - each action overrides
        raise NotImplementedError

    def post(self, request, reference: str):
        ticket = ticket_get_for_user(user=request.user, reference=reference)
        data: dict = {}
        if self.input_serializer is not None:
            serializer = self.input_serializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            data = serializer.validated_data
        with transaction.atomic():
            _check_version(request, ticket)
            self.act(request, ticket, data)
        return _ticket_response(_fresh(ticket.pk))


def _action(name: str, input_serializer, act, summary: str, description: str | None = None):
    """A view class for one ticket action, with its own schema entry."""

    def post(self, request, reference: str):
        return _TicketAction.post(self, request, reference)

    documented = extend_schema(
        summary=summary,
        description=description,
        request=input_serializer,
        responses={200: s.TicketSerializer, **ERRORS},
        parameters=[IF_MATCH],
        operation_id=f"tickets_{name.lower()}",
    )(post)
    return type(
        name,
        (_TicketAction,),
        {
            "input_serializer": input_serializer,
            "act": lambda self, request, ticket, data: act(request, ticket, data),
            "post": documented,
        },
    )


TicketTake = _action(
    "Take",
    None,
    lambda r, t, d: services.ticket_take(ticket_id=t.pk, by=r.user),
    "Take the ticket (assign it to yourself)",
)
TicketAssign = _action(
    "Assign",
    s.AssignSerializer,
    lambda r, t, d: services.ticket_assign(ticket_id=t.pk, by=r.user, assignee=d["assignee"]),
    "Assign the ticket to an agent",
    "`assignee` is the id of a person who may own the ticket at its level: a member of that"
    " level or a higher one, a supervisor or an administrator. `GET /api/v1/agents/?level=…`"
    " lists each level's members with their ids, presence, shift and open tickets"
    " (`&presence=available`, `&skill=<category id>`, `&q=<name>` narrow it).",
)
TicketEscalate = _action(
    "Escalate",
    s.ReasonSerializer,
    lambda r, t, d: services.ticket_escalate(ticket_id=t.pk, by=r.user, reason=d["reason"]),
    "Escalate to the next level, with a reason",
)
TicketDeescalate = _action(
    "Deescalate",
    s.ReasonSerializer,
    lambda r, t, d: services.ticket_deescalate(ticket_id=t.pk, by=r.user, reason=d["reason"]),
    "Send back down one level, with a reason",
)
TicketResolve = _action(
    "Resolve",
    s.ResolveSerializer,
    lambda r, t, d: services.ticket_resolve_with_children(ticket_id=t.pk, by=r.user, resolution=d["resolution"]),
    "Resolve, with a summary of the fix",
    "Its open child tickets are resolved too, each with the same summary and its requester told;"
    " a child that cannot be resolved stays as it was (`GET …/children/` shows where each stands).",
)
TicketReopen = _action(
    "Reopen",
    s.ReasonSerializer,
    lambda r, t, d: services.ticket_reopen(ticket_id=t.pk, by=r.user, reason=d["reason"]),
    "Reopen a resolved ticket, saying what is still wrong",
)
TicketClose = _action(
    "Close",
    None,
    lambda r, t, d: services.ticket_confirm_resolution(ticket_id=t.pk, by=r.user),
    "Close a resolved ticket (the fix is confirmed)",
)
TicketStatus = _action(
    "Status",
    s.StatusSerializer,
    lambda r, t, d: services.ticket_change_status(ticket_id=t.pk, by=r.user, status=d["status"], reason=d["reason"]),
    "Set the ticket open, pending on the customer or pending on a third party",
    "Pending on a vendor is set by taking the ticket to a vendor (vendors API) and ends with that escalation."
    " Whether a pending status pauses the SLA clock is the ticket's SLA policy's choice.",
)
TicketPriority = _action(
    "Priority",
    s.PrioritySerializer,
    lambda r, t, d: services.ticket_reclassify(
        ticket_id=t.pk, by=r.user, impact=d["impact"], urgency=d["urgency"], category=t.category
    ),
    "Change the priority through impact and urgency",
)


class TicketParent(ApiView):
    """The ticket this one is part of: PUT sets it (not itself, not one of its own children's
    line, not a ticket that is resolved or closed), DELETE takes it away."""

    @extend_schema(
        request=s.ParentSerializer,
        responses={200: s.TicketSerializer, **ERRORS},
        operation_id="tickets_parent_set",
    )
    def put(self, request, reference: str):
        ticket = ticket_get_for_user(user=request.user, reference=reference, write=True)
        data = s.ParentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.ticket_parent_set(ticket_id=ticket.pk, by=request.user, parent_reference=data.validated_data["parent"])
        return _ticket_response(_fresh(ticket.pk))

    @extend_schema(request=None, responses={200: s.TicketSerializer, **ERRORS}, operation_id="tickets_parent_clear")
    def delete(self, request, reference: str):
        ticket = ticket_get_for_user(user=request.user, reference=reference, write=True)
        services.ticket_parent_clear(ticket_id=ticket.pk, by=request.user)
        return _ticket_response(_fresh(ticket.pk))


@extend_schema_view(get=extend_schema(responses={200: s.TicketSerializer, 403: ERRORS[403], 404: ERRORS[404]}))
class TicketChildren(_TicketPartsList):
    """The tickets that are part of this one, oldest first (support staff)."""

    serializer_class = s.TicketSerializer
    model = Ticket

    def parts(self, ticket: Ticket):
        if not agent_levels(self.request.user):
            raise Refused(_("Only support staff can see a ticket's children."))
        return ticket_children(ticket=ticket)


class TicketComments(ListApiView):
    """Replies, and for support staff internal notes too."""

    serializer_class = s.CommentSerializer
    pagination_class = None
    parser_classes = [BoundedJSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Comment.objects.none()
        ticket = ticket_get_for_user(user=self.request.user, reference=self.kwargs["reference"])
        comments = Comment.objects.filter(ticket=ticket).select_related("author").prefetch_related("attachments")
        if not agent_levels(self.request.user):
            comments = comments.filter(is_internal=False)
        return comments.order_by("created_at", "id")

    @extend_schema(
        # Documented as multipart/form-data alone, the one form that carries files too (JSON
        # without files is taken as well). Two documented bodies break generated clients:
        # openapi-python-client emits an annotation it does not import for them.
        request={"multipart/form-data": s.CommentCreateSerializer},
        responses={201: s.CommentSerializer, **ERRORS},
    )
    def post(self, request, reference: str):
        ticket = ticket_get_for_user(user=request.user, reference=reference)
        data = s.CommentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        comment = services.comment_add(
            ticket_id=ticket.pk,
            author=request.user,
            body=data.validated_data["body"],
            internal=data.validated_data["internal"],
            attachments=data.validated_data["files"],
        )
        comment = Comment.objects.select_related("author").prefetch_related("attachments").get(pk=comment.pk)
        return Response(s.CommentSerializer(comment).data, status=status.HTTP_201_CREATED)


class TicketAttachments(ListApiView):
    """Files on the ticket (those on internal notes for support staff only)."""

    serializer_class = s.AttachmentSerializer
    pagination_class = None
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Attachment.objects.none()
        ticket = ticket_get_for_user(user=self.request.user, reference=self.kwargs["reference"])
        files = ticket.attachments.select_related("comment")
        if not agent_levels(self.request.user):
            files = files.exclude(comment__is_internal=True)
        return files.order_by("id")

    @extend_schema(request=s.AttachmentCreateSerializer, responses={201: s.AttachmentSerializer(many=True), **ERRORS})
    def post(self, request, reference: str):
        ticket = ticket_get_for_user(user=request.user, reference=reference)
        data = s.AttachmentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        saved = services.attachment_add(ticket_id=ticket.pk, by=request.user, files=data.validated_data["files"])
        return Response(s.AttachmentSerializer(saved, many=True).data, status=status.HTTP_201_CREATED)


class AttachmentDownload(ApiView):
    """The file itself, as a download under the name it was uploaded with. Its type is read
    from its content: PNG, JPEG, GIF, WebP, PDF and plain text are sent as such, anything
    else as application/octet-stream."""

    @extend_schema(
        responses={(200, "*/*"): OpenApiResponse(OpenApiTypes.BINARY, description="the file"), 404: ERRORS[404]}
    )
    def get(self, request, pk: int):
        return attachment_response(attachment_get_for_user(user=request.user, pk=pk))


class TicketEvents(ListApiView):
    """The audit trail, oldest first, as the ticket page shows it to the caller (requesters see
    neither internal notes announced nor the files added to them)."""

    serializer_class = s.EventSerializer
    pagination_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return TicketEvent.objects.none()
        ticket = ticket_get_for_user(user=self.request.user, reference=self.kwargs["reference"])
        return ticket_events_visible(user=self.request.user, ticket=ticket)


class TicketSla(ApiView):
    """Where the ticket stands against its SLA targets."""

    @extend_schema(responses={200: s.SlaSerializer, 404: ERRORS[404]})
    def get(self, request, reference: str):
        ticket = ticket_get_for_user(user=request.user, reference=reference)
        return Response(s.SlaSerializer(sla_status(ticket=ticket)).data)


class CategoryList(ListApiView):
    """The categories a ticket may be filed under."""

    serializer_class = s.CategorySerializer
    pagination_class = None
    queryset = Category.objects.filter(is_active=True).order_by("name")


def _checklist_ticket(request, reference: str) -> Ticket:
    ticket = ticket_get_for_user(user=request.user, reference=reference)
    if not agent_levels(request.user):
        # Requesters do not see the checklist: as if the ticket had none to show them.
        raise Refused(_("Only support staff see a ticket's checklist."))
    return ticket


@extend_schema_view(
    get=extend_schema(responses={200: s.ChecklistItemSerializer(many=True), **error_responses(403, 404)})
)
class TicketChecklist(ListApiView):
    """The ticket's checklist, in order (support staff only)."""

    serializer_class = s.ChecklistItemSerializer
    pagination_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return TicketChecklistItem.objects.none()
        ticket = _checklist_ticket(self.request, self.kwargs["reference"])
        return TicketChecklistItem.objects.filter(ticket=ticket).select_related("done_by").order_by("position")


class TicketChecklistItemChange(ApiView):
    """Tick (``done``), untick (``undone``) or skip (``skip``, with a reason) one step."""

    @extend_schema(
        request=s.ChecklistChangeSerializer,
        responses={200: s.ChecklistItemSerializer, **error_responses(400, 403, 404, 409)},
    )
    def post(self, request, reference: str, item: int):
        ticket = _checklist_ticket(request, reference)
        data = s.ChecklistChangeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        changed = services.checklist_item_change(
            ticket_id=ticket.pk,
            item_id=item,
            by=request.user,
            action=data.validated_data["action"],
            reason=data.validated_data["reason"],
        )
        changed = TicketChecklistItem.objects.select_related("done_by").get(pk=changed.pk)
        return Response(s.ChecklistItemSerializer(changed).data)


def _time_ticket(request, reference: str) -> Ticket:
    ticket = ticket_get_for_user(user=request.user, reference=reference)
    if not agent_levels(request.user):
        # Requesters never see the time spent on their ticket.
        raise Refused(_("Only support staff see the time spent on a ticket."))
    return ticket


@extend_schema_view(get=extend_schema(responses={200: s.TimeEntrySerializer(many=True), **error_responses(403, 404)}))
class TicketTime(ListApiView):
    """The time recorded on the ticket, newest first (support staff only); staff who work
    its level record more."""

    serializer_class = s.TimeEntrySerializer
    pagination_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return TimeEntry.objects.none()
        return ticket_time_entries(ticket=_time_ticket(self.request, self.kwargs["reference"]))

    @extend_schema(request=s.TimeEntryCreateSerializer, responses={201: s.TimeEntrySerializer, **ERRORS})
    def post(self, request, reference: str):
        ticket = _time_ticket(request, reference)
        data = s.TimeEntryCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        entry = services.time_entry_record(ticket_id=ticket.pk, by=request.user, minutes=data.validated_data["minutes"])
        entry = TimeEntry.objects.select_related("agent").get(pk=entry.pk)
        return Response(s.TimeEntrySerializer(entry).data, status=status.HTTP_201_CREATED)


class TicketTimeEntry(ApiView):
    """One of your own time entries on the ticket."""

    @extend_schema(responses={204: None, **ERRORS})
    def delete(self, request, reference: str, entry: int):
        ticket = _time_ticket(request, reference)
        services.time_entry_delete(ticket_id=ticket.pk, entry_id=entry, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TicketTimer(ApiView):
    """Your timer on the ticket, kept on the server: start it, stop it (its time, rounded up
    to the minute, is recorded) or discard it."""

    @extend_schema(request=s.TimerActionSerializer, responses={200: s.TimerSerializer, **ERRORS})
    def post(self, request, reference: str):
        ticket = _time_ticket(request, reference)
        data = s.TimerActionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        action = data.validated_data["action"]
        answer: dict = {"running": False, "started_at": None, "recorded": None}
        if action == "start":
            started = services.timer_start(ticket_id=ticket.pk, by=request.user)
            answer.update(running=True, started_at=started.started_at)
        elif action == "stop":
            answer["recorded"] = TimeEntry.objects.select_related("agent").get(
                pk=services.timer_stop(ticket_id=ticket.pk, by=request.user).pk
            )
        else:
            services.timer_discard(ticket_id=ticket.pk, by=request.user)
        return Response(s.TimerSerializer(answer).data)


@extend_schema_view(get=extend_schema(responses={200: s.WatcherSerializer(many=True), **error_responses(404)}))
class TicketWatchers(_TicketPartsList):
    """Who follows the ticket besides its requester: colleagues copied in, and staff of
    other levels gathering information, in the order they started following. Whoever
    may read the ticket reads the list."""

    serializer_class = s.WatcherSerializer
    model = TicketWatcher

    def parts(self, ticket: Ticket):
        return ticket_watchers(ticket=ticket)

    @extend_schema(request=s.WatcherAddSerializer, responses={201: s.WatcherSerializer, **ERRORS})
    def post(self, request, reference: str):
        ticket = ticket_get_for_user(user=request.user, reference=reference)
        data = s.WatcherAddSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if "email" in data.validated_data:
            watcher = services.watcher_add(ticket_id=ticket.pk, by=request.user, email=data.validated_data["email"])
        else:
            watcher = services.ticket_follow(ticket_id=ticket.pk, by=request.user)
        watcher = TicketWatcher.objects.select_related("user").get(pk=watcher.pk)
        return Response(s.WatcherSerializer(watcher).data, status=status.HTTP_201_CREATED)


class TicketWatcherRemove(ApiView):
    """One person who follows the ticket: they stop following (themselves, the requester,
    or staff at the ticket's level take them off)."""

    @extend_schema(responses={204: None, **ERRORS})
    def delete(self, request, reference: str, user: int):
        ticket = ticket_get_for_user(user=request.user, reference=reference)
        services.watcher_remove(ticket_id=ticket.pk, by=request.user, user_id=user)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _links(ticket: Ticket, user) -> list[dict]:
    return [
        {
            "id": link.pk,
            "relation": link.label,
            "kind": link.kind,
            "direction": "outgoing" if link.outgoing else "incoming",
            "ticket": link.other.reference,
            "subject": link.other.subject,
        }
        for link in ticket_links_for_user(ticket=ticket, user=user)
    ]


class TicketLinks(ApiView):
    """The tickets linked to this one, both ways, labelled as read from it; only those the
    caller may read are named. Staff at the ticket's level add links."""

    @extend_schema(responses={200: s.LinkSerializer(many=True), **error_responses(404)})
    def get(self, request, reference: str):
        ticket = ticket_get_for_user(user=request.user, reference=reference)
        return Response(s.LinkSerializer(_links(ticket, request.user), many=True).data)

    @extend_schema(request=s.LinkAddSerializer, responses={201: s.LinkSerializer, **ERRORS})
    def post(self, request, reference: str):
        ticket = ticket_get_for_user(user=request.user, reference=reference)
        data = s.LinkAddSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        link = services.ticket_link_add(
            ticket_id=ticket.pk,
            by=request.user,
            to_reference=data.validated_data["to"],
            kind=data.validated_data["kind"],
        )
        [shown] = [row for row in _links(ticket, request.user) if row["id"] == link.pk]
        return Response(s.LinkSerializer(shown).data, status=status.HTTP_201_CREATED)


class TicketLinkRemove(ApiView):
    """One link on the ticket (either way): staff at the ticket's level remove it."""

    @extend_schema(responses={204: None, **ERRORS})
    def delete(self, request, reference: str, link: int):
        ticket = ticket_get_for_user(user=request.user, reference=reference)
        services.ticket_link_remove(ticket_id=ticket.pk, by=request.user, link_id=link)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TicketMerge(ApiView):
    """Merge this ticket (a duplicate) into another: its conversation, files, time,
    checklist, watchers and links move there, its requester follows that ticket, and this
    one is closed with a pointer to it. Staff who act at both tickets' levels; the answer
    is the ticket merged into."""

    @extend_schema(request=s.MergeSerializer, responses={200: s.TicketSerializer, **ERRORS})
    def post(self, request, reference: str):
        ticket = ticket_get_for_user(user=request.user, reference=reference)
        data = s.MergeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        target = services.ticket_merge(ticket_id=ticket.pk, by=request.user, into_reference=data.validated_data["into"])
        return _ticket_response(_fresh(target.pk))


@extend_schema_view(get=extend_schema(responses={200: s.SavedViewSerializer, 403: ERRORS[403]}))
class SavedViewList(ListCreateApiView):
    """Saved views of the ticket list: your own and every shared one (support staff only)."""

    serializer_class = s.SavedViewSerializer
    pagination_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return SavedView.objects.none()
        if not agent_levels(self.request.user):
            raise Refused(_("Only support staff have saved views."))
        return saved_views_for(user=self.request.user)

    @extend_schema(
        request=s.SavedViewCreateSerializer,
        responses={201: s.SavedViewSerializer, 400: ERRORS[400], 403: ERRORS[403]},
    )
    def post(self, request, *args, **kwargs):
        if not agent_levels(request.user):
            raise Refused(_("Only support staff have saved views."))
        data = s.SavedViewCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        view = services.saved_view_save(
            by=request.user,
            name=data.validated_data["name"],
            params=QueryDict(data.validated_data["query"]),
            shared=data.validated_data["shared"],
        )
        return Response(s.SavedViewSerializer(view).data, status=status.HTTP_201_CREATED)


def _staff_ticket(request, reference: str) -> Ticket:
    ticket = ticket_get_for_user(user=request.user, reference=reference)
    if not agent_levels(request.user):
        raise Refused(_("Only support staff can do this."))
    return ticket


def _snooze_state(ticket_id: int) -> Response:
    ticket = Ticket.objects.only("snoozed_until").get(pk=ticket_id)
    return Response(
        s.SnoozeStateSerializer({"reference": ticket.reference, "snoozed_until": ticket.snoozed_until}).data
    )


class TicketSnooze(ApiView):
    """Snooze the ticket until a time (support staff who work its level): it leaves its
    queue's default views and comes back by itself then, or as soon as the requester
    writes. DELETE brings it back now."""

    @extend_schema(request=s.SnoozeSerializer, responses={200: s.SnoozeStateSerializer, **ERRORS})
    def post(self, request, reference: str):
        ticket = _staff_ticket(request, reference)
        data = s.SnoozeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.ticket_snooze(ticket_id=ticket.pk, by=request.user, until=data.validated_data["until"])
        return _snooze_state(ticket.pk)

    @extend_schema(responses={200: s.SnoozeStateSerializer, **ERRORS})
    def delete(self, request, reference: str):
        ticket = _staff_ticket(request, reference)
        services.ticket_unsnooze(ticket_id=ticket.pk, by=request.user)
        return _snooze_state(ticket.pk)


@extend_schema_view(get=extend_schema(responses={200: s.ReminderSerializer(many=True), **error_responses(403, 404)}))
class TicketReminders(_TicketPartsList):
    """The reminders still due on the ticket, soonest first (support staff only); POST sets
    one for yourself, with a short note."""

    serializer_class = s.ReminderSerializer
    model = TicketReminder

    def ticket(self) -> Ticket:
        return _staff_ticket(self.request, self.kwargs["reference"])

    def parts(self, ticket: Ticket):
        return ticket_reminders(ticket=ticket)

    @extend_schema(request=s.ReminderCreateSerializer, responses={201: s.ReminderSerializer, **ERRORS})
    def post(self, request, reference: str):
        ticket = _staff_ticket(request, reference)
        data = s.ReminderCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        reminder = services.reminder_set(
            ticket_id=ticket.pk,
            by=request.user,
            remind_at=data.validated_data["remind_at"],
            note=data.validated_data["note"],
        )
        reminder = TicketReminder.objects.select_related("agent").get(pk=reminder.pk)
        return Response(s.ReminderSerializer(reminder).data, status=status.HTTP_201_CREATED)


class TicketReminderCancel(ApiView):
    """One of your own reminders on the ticket: DELETE cancels it."""

    @extend_schema(responses={204: None, **ERRORS})
    def delete(self, request, reference: str, reminder: int):
        ticket = _staff_ticket(request, reference)
        services.reminder_cancel(reminder_id=reminder, by=request.user, ticket_id=ticket.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)
