"""The people API: agents (with their levels, skills, presence, shift and open tickets)
and requesters, for support staff only; each agent's own presence; supervisors and
administrators set an agent's shift calendar and skills. Thin views over the routing
selectors and services."""

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from api import views as base
from api.exceptions import Invalid, Refused
from api.schema import error_responses
from tickets.exceptions import NotAllowedError, TicketError

from .. import services
from ..selectors import (
    agent_directory,
    agent_shift,
    agent_staff,
    agents_managed_by,
    agents_with_presence,
    has_presence,
    people_visible,
    profile_of,
    requester_directory,
)
from . import serializers as s

ERRORS = error_responses(400, 403, 404)


class _PeopleApi:
    """Support staff only (403 for anyone else, so requesters see nobody); a refused
    change as the API's error."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        if not people_visible(request.user):
            raise Refused(gettext("Only support staff can look people up."))

    def handle_exception(self, exc):
        if isinstance(exc, NotAllowedError):
            exc = Refused(exc.message)
        elif isinstance(exc, TicketError):
            exc = Invalid(exc.message)
        return super().handle_exception(exc)  # type: ignore[misc]


class PeoplePagination(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = ("username",)


class _PeopleList(_PeopleApi, base.ListApiView):
    pagination_class = PeoplePagination
    filter_backends: list = []
    query_serializer: type = s.PeopleQuerySerializer

    def query(self) -> dict:
        data = self.query_serializer(data=self.request.query_params)
        data.is_valid(raise_exception=True)
        return dict(data.validated_data)


@extend_schema_view(
    get=extend_schema(
        parameters=[s.AgentQuerySerializer],
        responses={200: s.AgentSerializer(many=True), 400: ERRORS[400], 403: ERRORS[403], 404: ERRORS[404]},
    )
)
class AgentList(_PeopleList):
    """Agents (members of a level, supervisors, administrators) by username, with their
    levels, skills, presence now and shift calendar, and how many open tickets they hold:
    the ids `POST /api/v1/tickets/{reference}/assign/` takes. Support staff only."""

    serializer_class = s.AgentSerializer
    query_serializer = s.AgentQuerySerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return agent_staff().none()
        query = self.query()
        agents = agent_directory(level=query.get("level"), skill=query.get("skill"), words=query.get("q", ""))
        self.at = timezone.now()
        if "presence" in query:
            agents = agents_with_presence(agents=agents, presence=query["presence"], at=self.at)
        return agents

    def get_serializer(self, people=None, *args, **kwargs):
        if people is None:
            return super().get_serializer(*args, **kwargs)
        rows = [s.agent_data(user, agent_shift(user=user, at=self.at)) for user in people]
        return s.AgentSerializer(rows, *args, **kwargs)


def _agent_response(agent_id: int) -> Response:
    agent = agent_directory().filter(pk=agent_id).first()
    if agent is None:
        raise Http404
    return Response(s.AgentSerializer(s.agent_data(agent, agent_shift(user=agent, at=timezone.now()))).data)


class AgentDetail(_PeopleApi, base.ApiView):
    """One agent, with their presence and shift; supervisors and administrators set their
    shift calendar and skills."""

    @extend_schema(responses={200: s.AgentSerializer, 403: ERRORS[403], 404: ERRORS[404]})
    def get(self, request, agent_id: int):
        return _agent_response(agent_id)

    @extend_schema(
        description=(
            "Supervisors and administrators: `shift_calendar` (a business calendar's id, or null for"
            " the level's) and `skills` (the whole list, replacing the agent's). Both are saved, or"
            " neither: an unknown calendar or category, or a proficiency outside 1 to 5, is a 400."
        ),
        request=s.AgentUpdateSerializer,
        responses={200: s.AgentSerializer, **ERRORS},
    )
    def patch(self, request, agent_id: int):
        if not agent_directory().filter(pk=agent_id).exists():
            raise Http404
        if not agents_managed_by(request.user):
            raise Refused(services.managers_only())
        data = s.AgentUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        if "shift_calendar" in changes:
            changes["calendar_id"] = changes.pop("shift_calendar")
        if "skills" in changes:
            changes["skills"] = {skill["category"]: skill["proficiency"] for skill in changes["skills"]}
        services.agent_routing_update(agent_id=agent_id, by=request.user, **changes)
        return _agent_response(agent_id)


@extend_schema_view(
    get=extend_schema(
        parameters=[s.PeopleQuerySerializer],
        responses={200: s.RequesterSerializer(many=True), 400: ERRORS[400], 403: ERRORS[403], 404: ERRORS[404]},
    )
)
class RequesterList(_PeopleList):
    """Requesters (people who file tickets and work none) by username, to file a ticket or
    log a call for. Support staff only."""

    serializer_class = s.RequesterSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return requester_directory().none()
        return requester_directory(words=self.query().get("q", ""))

    def get_serializer(self, people=None, *args, **kwargs):
        if people is None:
            return super().get_serializer(*args, **kwargs)
        return s.RequesterSerializer([s.requester_data(user) for user in people], *args, **kwargs)


class RequesterDetail(_PeopleApi, base.ApiView):
    """One requester. Support staff only."""

    @extend_schema(responses={200: s.RequesterSerializer, 403: ERRORS[403], 404: ERRORS[404]})
    def get(self, request, requester_id: int):
        person = requester_directory().filter(pk=requester_id).first()
        if person is None:
            raise Http404
        return Response(s.RequesterSerializer(s.requester_data(person)).data)


def _presence_response(user) -> Response:
    return Response(s.PresenceSerializer(s.shift_data(agent_shift(user=user, at=timezone.now()))).data)


class MePresence(base.ApiView):
    """Your own presence as an agent of a support level: what routing reads now (off
    outside your shift) and what you chose; `PUT` chooses available, away or off."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not has_presence(request.user):
            raise Refused(gettext("Only agents of a support level have a presence."))

    def handle_exception(self, exc):
        if isinstance(exc, NotAllowedError):
            exc = Refused(exc.message)
        elif isinstance(exc, TicketError):
            exc = Invalid(exc.message)
        return super().handle_exception(exc)

    @extend_schema(responses={200: s.PresenceSerializer, 403: ERRORS[403]})
    def get(self, request):
        return _presence_response(_with_profile(request.user))

    @extend_schema(
        request=s.PresenceWriteSerializer, responses={200: s.PresenceSerializer, **error_responses(400, 403)}
    )
    def put(self, request):
        data = s.PresenceWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.agent_presence_set(user=request.user, presence=data.validated_data["presence"])
        return _presence_response(_with_profile(request.user))


def _with_profile(user):
    user.routing_profile = profile_of(user)
    return user
