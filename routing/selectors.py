"""Reads of routing: each level's policy (kept in the ``config`` cache like the SLA
policies, cleared when one is saved), who is on shift and available, and agents' loads."""

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.db.models import Case, Count, IntegerField, Prefetch, Q, QuerySet, Sum, Value, When

from accounts.choices import Role
from accounts.models import SupportLevel
from accounts.selectors import agent_levels, callers, user_role
from sla.calendars import BusinessCalendar
from sla.models import Calendar
from sla.selectors import business_calendar
from tickets.choices import OPEN_STATUSES
from tickets.models import Ticket

from .choices import PRIORITY_WEIGHTS, AssignmentMethod, Presence
from .models import AgentProfile, AgentSkill, AssignmentPolicy


def policy_cache_clear(**kwargs) -> None:
    caches["config"].delete_many([f"routing-policy:{level}" for level in (1, 2, 3)])


def policy_for(*, level: int) -> AssignmentPolicy | None:
    """The level's assignment policy, or None when its tickets are assigned by hand."""
    policy = caches["config"].get_or_set(
        f"routing-policy:{level}",
        lambda: AssignmentPolicy.objects.select_related("calendar").filter(level=level).first() or False,
    )
    if not policy or policy.method == AssignmentMethod.MANUAL:
        return None
    return policy


def shift_calendar(*, profile: AgentProfile, user, policy: AssignmentPolicy | None, at: datetime):
    """The agent's working hours (their own calendar, else their level's) read in their
    own time zone; None when neither says, which means around the clock."""
    calendar = profile.calendar if profile.calendar_id else (policy.calendar if policy else None)
    if calendar is None:
        return None
    built = business_calendar(calendar, around=at)
    zone = user.time_zone or calendar.time_zone
    if str(built.tz) == zone:
        return built
    return _in_zone(built, zone)


_ZONED: dict[tuple[BusinessCalendar, str], BusinessCalendar] = {}


def _in_zone(built: BusinessCalendar, zone: str) -> BusinessCalendar:
    key = (built, zone)
    if key not in _ZONED:
        if len(_ZONED) > 256:
            _ZONED.clear()
        _ZONED[key] = dataclasses.replace(built, tz=ZoneInfo(zone))
    return _ZONED[key]


def presence_effective(*, profile: AgentProfile, calendar: BusinessCalendar | None, at: datetime) -> str:
    """Off outside the shift; within it, what the agent chose, where a choice of away or
    off made during an earlier shift has lapsed back to available."""
    if calendar is not None and not calendar.is_working(at):
        return Presence.OFF
    if profile.presence == Presence.AVAILABLE or profile.presence_set_at is None:
        return profile.presence
    if calendar is not None and profile.presence_set_at < at:
        # Time off shift since the choice means the shift it was made in has ended.
        if calendar.working_time(profile.presence_set_at, at) < at - profile.presence_set_at:
            return Presence.AVAILABLE
    return profile.presence


def profile_of(user) -> AgentProfile:
    """The agent's routing profile, unsaved with the defaults if they have none yet."""
    try:
        return AgentProfile.objects.select_related("calendar").get(user=user)
    except AgentProfile.DoesNotExist:
        return AgentProfile(user=user)


def shift_policy(user) -> AssignmentPolicy | None:
    """The policy whose shift calendar an agent without one of their own works: their
    lowest level's (read from prefetched levels when there are some)."""
    levels = [level.number for level in user.support_levels.all()]
    return policy_for(level=min(levels)) if levels else None


def agent_presence(*, user, at: datetime) -> str:
    """The presence routing reads for one agent now (their profile read afresh)."""
    return agent_shift(user=user, at=at, profile=profile_of(user)).presence


@dataclass
class Member:
    """An agent of a level as routing sees them at the start of a run."""

    user: object
    profile: AgentProfile
    calendar: BusinessCalendar | None
    skills: dict[int, int | None]  # category id -> proficiency

    @property
    def pk(self) -> int:
        return self.user.pk  # type: ignore[attr-defined]


def level_members(*, level: int, policy: AssignmentPolicy | None, at: datetime) -> list[Member]:
    """The level's active members, with their routing profile, shift and skills (three
    queries whatever their number). Profiles are created for members who have none."""
    users = list(
        get_user_model()
        .objects.filter(is_active=True, support_levels__number=level)
        .distinct()
        .order_by("pk")
        .only("pk", "username", "first_name", "last_name", "time_zone")
    )
    AgentProfile.objects.bulk_create([AgentProfile(user=user) for user in users], ignore_conflicts=True)
    profiles = {
        profile.user_id: profile
        for profile in AgentProfile.objects.select_related("calendar").filter(user__in=[user.pk for user in users])
    }
    skills: dict[int, dict[int, int | None]] = {user.pk: {} for user in users}
    for agent_id, category_id, proficiency in AgentSkill.objects.filter(agent__in=list(skills)).values_list(
        "agent_id", "category_id", "proficiency"
    ):
        skills[agent_id][category_id] = proficiency
    return [
        Member(
            user=user,
            profile=profiles[user.pk],
            calendar=shift_calendar(profile=profiles[user.pk], user=user, policy=policy, at=at),
            skills=skills[user.pk],
        )
        for user in users
    ]


def agent_loads(*, agent_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Each agent's open assigned tickets as (count, load weighted by priority), in one
    query over the assignee index; agents without open tickets are left out."""
    weight = Case(
        *[When(priority=priority, then=Value(weight)) for priority, weight in PRIORITY_WEIGHTS.items()],
        default=Value(1),
        output_field=IntegerField(),
    )
    rows = (
        Ticket.objects.filter(assignee_id__in=agent_ids, status__in=OPEN_STATUSES)
        .order_by()
        .values("assignee_id")
        .annotate(open=Count("pk"), load=Sum(weight))
        .values_list("assignee_id", "open", "load")
    )
    return {pk: (open_count, load) for pk, open_count, load in rows}


def agent_open_count(*, agent_id: int) -> int:
    return Ticket.objects.filter(assignee_id=agent_id, status__in=OPEN_STATUSES).count()


def waiting_tickets(*, level: int) -> QuerySet[Ticket]:
    """Open unassigned tickets of the level, P1 first, then the oldest (the queue's index)."""
    return Ticket.objects.filter(level=level, status__in=OPEN_STATUSES, assignee__isnull=True).order_by(
        "priority", "created_at", "pk"
    )


@dataclass
class PresenceCard:
    """What the presence switch shows an agent."""

    effective: str
    chosen: str
    on_shift: bool
    calendar_name: str
    time_zone: str

    @property
    def label(self) -> str:
        return str(Presence(self.effective).label)


def presence_card(*, user, at: datetime) -> PresenceCard | None:
    """The agent's presence for the switch in the page header; None for people who are
    not members of a support level (they are never given work)."""
    if not user.support_levels.exists():
        return None
    shift = agent_shift(user=user, at=at, profile=profile_of(user))
    return PresenceCard(
        effective=shift.presence,
        chosen=shift.chosen,
        on_shift=shift.on_shift,
        calendar_name=shift.calendar.display_name if shift.calendar else "",
        time_zone=user.time_zone,
    )


# --- the people the API shows: agents with their levels, skills, presence and shift


def people_visible(user) -> bool:
    """Support staff (agents, supervisors, administrators) look people up; requesters
    never see anyone else."""
    return bool(agent_levels(user))


def has_presence(user) -> bool:
    """Agents who are members of a support level have a presence routing reads."""
    return bool(agent_levels(user)) and user.support_levels.exists()


def agents_managed_by(user) -> bool:
    """Supervisors and administrators set an agent's shift calendar and skills."""
    return user_role(user) in (Role.SUPERVISOR, Role.ADMIN)


def agent_staff() -> QuerySet:
    """Active people who work tickets: members of a support level, supervisors and
    administrators. A subquery of ids, so that the joins that find them never repeat a row."""
    ids = (
        get_user_model()
        .objects.filter(
            Q(support_levels__isnull=False) | Q(groups__name__in=[Role.SUPERVISOR, Role.ADMIN]) | Q(is_superuser=True),
            is_active=True,
        )
        .values("pk")
    )
    return get_user_model().objects.filter(pk__in=ids)


def agent_directory(*, level: int | None = None, skill: int | None = None, words: str = "") -> QuerySet:
    """Agents (agent_staff) by username, with their levels, skills (and each skill's
    category), routing profile, its calendar, and their open tickets counted in SQL: the
    same few queries for a page of any size. ``words`` must each be found in the username,
    first or last name or email address."""
    ids = agent_staff()
    if level is not None:
        ids = ids.filter(pk__in=get_user_model().objects.filter(support_levels__number=level).values("pk"))
    if skill is not None:
        ids = ids.filter(pk__in=AgentSkill.objects.filter(category_id=skill).values("agent_id"))
    for word in words.split():
        ids = ids.filter(
            Q(username__icontains=word)
            | Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(email__icontains=word)
        )
    return (
        ids.select_related("routing_profile__calendar")
        .prefetch_related(
            Prefetch("support_levels", queryset=SupportLevel.objects.order_by("number")),
            Prefetch("skills", queryset=AgentSkill.objects.select_related("category").order_by("category__name")),
        )
        .annotate(open_tickets=Count("assigned_tickets", filter=Q(assigned_tickets__status__in=OPEN_STATUSES)))
        .order_by("username")
    )


@dataclass(frozen=True)
class Shift:
    """An agent's presence as routing reads it, with the calendar that gives their shift
    (their own, their level's, or none: around the clock)."""

    presence: str
    chosen: str
    chosen_at: datetime | None
    calendar: Calendar | None
    calendar_of: str  # "agent", "level" or "" (none)
    on_shift: bool


def _profile_read(user) -> AgentProfile:
    """The prefetched profile (agent_directory), or an unsaved one with the defaults."""
    try:
        return user.routing_profile
    except AgentProfile.DoesNotExist:
        return AgentProfile(user=user)


def agent_shift(*, user, at: datetime, profile: AgentProfile | None = None) -> Shift:
    """The agent's effective presence and shift, as agent_presence reads it, from what
    agent_directory prefetched (the level's policy comes from the cache), or from
    ``profile`` when the caller has read it."""
    profile = profile if profile is not None else _profile_read(user)
    policy = shift_policy(user)
    calendar, calendar_of = None, ""
    if profile.calendar_id:
        calendar, calendar_of = profile.calendar, "agent"
    elif policy is not None and policy.calendar is not None:
        calendar, calendar_of = policy.calendar, "level"
    built = shift_calendar(profile=profile, user=user, policy=policy, at=at)
    return Shift(
        presence=presence_effective(profile=profile, calendar=built, at=at),
        chosen=profile.presence,
        chosen_at=profile.presence_set_at,
        calendar=calendar,
        calendar_of=calendar_of,
        on_shift=built is None or built.is_working(at),
    )


def agents_with_presence(*, agents: QuerySet, presence: str, at: datetime) -> QuerySet:
    """The agents whose effective presence is ``presence`` now. It depends on each one's
    shift, so it is worked out in Python over the matching agents (two queries whatever
    their number), and the answer is a queryset of their ids."""
    candidates = (
        agents.model.objects.filter(pk__in=agents.values("pk"))
        .select_related("routing_profile__calendar")
        .prefetch_related(Prefetch("support_levels", queryset=SupportLevel.objects.order_by("number")))
    )
    chosen = [user.pk for user in candidates if agent_shift(user=user, at=at).presence == presence]
    return agents.filter(pk__in=chosen)


def requester_directory(*, words: str = "") -> QuerySet:
    """Requesters (accounts.selectors.callers) by username; ``words`` as in agent_directory."""
    people = callers()
    for word in words.split():
        people = people.filter(
            Q(username__icontains=word)
            | Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(email__icontains=word)
        )
    return people.only("pk", "username", "first_name", "last_name", "email").order_by("username")
