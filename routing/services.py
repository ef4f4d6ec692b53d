"""Writes of routing: agents' presence, and the assignment policies at work.

Locks, not luck: a ticket is claimed with ``SELECT … FOR UPDATE SKIP LOCKED`` (two runs
never hand out the same ticket), and the chosen agent's profile row is locked before
their open tickets are counted against the cap (two tickets arriving at once never both
go to an agent at the cap). Locks are taken in that order only: ticket, then agent."""

from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from celery import signature
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Max, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import Level
from sla.models import Calendar
from tickets.exceptions import NotAllowedError, TicketError
from tickets.models import Category
from tickets.services import ticket_assign_automatically

from .choices import PRIORITY_WEIGHTS, AssignmentMethod, Presence, SkillRule
from .models import AgentProfile, AgentSkill
from .selectors import (
    Member,
    agent_loads,
    agent_open_count,
    agent_staff,
    agents_managed_by,
    has_presence,
    level_members,
    policy_for,
    presence_effective,
    shift_calendar,
    shift_policy,
    waiting_tickets,
)

# How many tickets one run hands out before it ends (the next run carries on).
RUN_LIMIT = 10_000
LEVEL_TASK = "routing.tasks.level_assign"
AGENT_TASK = "routing.tasks.agent_assign"


def levels_entered(*, levels: list[int]) -> None:
    """Tickets joined these levels' queues (tickets.extensions): after the commit, a
    worker runs the policy of each level that has one."""
    for level in levels:
        if policy_for(level=level) is not None:
            transaction.on_commit(partial(_level_task_send, level))


def _level_task_send(level: int) -> None:
    signature(LEVEL_TASK, args=(level,)).apply_async()


@dataclass
class _Outcome:
    assigned: bool = False
    nobody_at_all: bool = False  # no member may take any ticket now: the run can stop


def _reason(policy) -> str:
    return _("Assigned automatically: %(policy)s") % {"policy": AssignmentMethod(policy.method).label}


def _eligible(members: list[Member], ticket, policy) -> list[Member]:
    """The members who may be given this ticket, before loads and the cap."""
    chosen = [member for member in members if member.pk != ticket.requester_id]
    if policy.skill_rule != SkillRule.ANY and ticket.category_id is not None:
        skilled = [member for member in chosen if ticket.category_id in member.skills]
        if skilled or policy.skill_rule == SkillRule.REQUIRE:
            chosen = skilled
    return chosen


def _ranked(candidates: list[Member], loads: dict[int, tuple[int, int]], policy, ticket) -> list[Member]:
    """Least-loaded: the lowest weighted load first (then fewer tickets, more proficient,
    waited longest). Round-robin: whoever was given a ticket longest ago first."""
    if policy.method == AssignmentMethod.LEAST_LOADED:

        def key(member: Member):
            count, load = loads.get(member.pk, (0, 0))
            proficiency = member.skills.get(ticket.category_id) or 0
            return (load, count, -proficiency, *_waited(member))

    else:

        def key(member: Member):
            return _waited(member)

    return sorted(candidates, key=key)


def _waited(member: Member) -> tuple:
    return (member.profile.turn, member.pk)


def _next_turn():
    """One past the highest turn of all agents, computed by the database in the UPDATE."""
    highest = (
        AgentProfile.objects.order_by().annotate(all=Value(1)).values("all").annotate(top=Max("turn")).values("top")
    )
    return Coalesce(Subquery(highest), 0) + 1


def _available_now(member: Member, at: datetime) -> bool:
    return presence_effective(profile=member.profile, calendar=member.calendar, at=at) == Presence.AVAILABLE


class _Loads:
    """The members' open tickets during one run: read from the database every
    REFRESH_EVERY assignments (and whenever a cap check under lock disagrees), and kept
    up to date in between with the run's own assignments. Ranking reads these; the cap
    itself is always counted afresh under the agent's lock."""

    REFRESH_EVERY = 50

    def __init__(self, agent_ids: list[int]) -> None:
        self.agent_ids = agent_ids
        self.values: dict[int, tuple[int, int]] = {}
        self.since = self.REFRESH_EVERY

    def current(self) -> dict[int, tuple[int, int]]:
        if self.since >= self.REFRESH_EVERY:
            self.values = agent_loads(agent_ids=self.agent_ids) if self.agent_ids else {}
            self.since = 0
        return self.values

    def given(self, agent_id: int, priority: int) -> None:
        count, load = self.values.get(agent_id, (0, 0))
        self.values[agent_id] = (count + 1, load + PRIORITY_WEIGHTS.get(priority, 1))
        self.since += 1

    def stale(self) -> None:
        self.since = self.REFRESH_EVERY


def _give(ticket, members: list[Member], policy, loads: _Loads, *, at: datetime) -> _Outcome:
    """Hand one locked ticket to the first ranked member who, under their own lock, is
    still available and below the cap."""
    available = [member for member in members if _available_now(member, at)]
    current = loads.current()
    if policy.cap is not None:
        available = [member for member in available if current.get(member.pk, (0, 0))[0] < policy.cap]
    if not available:
        return _Outcome(nobody_at_all=True)
    for member in _ranked(_eligible(available, ticket, policy), current, policy, ticket):
        # Each agent is locked inside a savepoint, and an agent found away or at the cap
        # is let go at once (rolling the savepoint back releases the row lock): a run
        # holds one agent's lock at a time, so two runs never wait on each other's agents.
        savepoint = transaction.savepoint()
        profile = AgentProfile.objects.select_for_update().get(pk=member.pk)
        member.profile.presence, member.profile.presence_set_at = profile.presence, profile.presence_set_at
        member.profile.last_assigned_at, member.profile.turn = profile.last_assigned_at, profile.turn
        now = timezone.now()
        if not _available_now(member, now):
            transaction.savepoint_rollback(savepoint)
            continue
        if policy.cap is not None and agent_open_count(agent_id=member.pk) >= policy.cap:
            transaction.savepoint_rollback(savepoint)
            loads.stale()
            continue
        transaction.savepoint_commit(savepoint)
        given = ticket_assign_automatically(
            ticket_id=ticket.pk, level=policy.level, assignee=member.user, reason=_reason(policy), locked=ticket
        )
        if given is None:
            return _Outcome()
        AgentProfile.objects.filter(pk=member.pk).update(last_assigned_at=now, turn=_next_turn())
        member.profile.last_assigned_at = now
        member.profile.turn = max(other.profile.turn for other in members) + 1
        loads.given(member.pk, ticket.priority)
        return _Outcome(assigned=True)
    return _Outcome()


def level_assign_waiting(*, level: int, agent_id: int | None = None, limit: int = RUN_LIMIT) -> int:
    """Run the level's policy over its unassigned open tickets, P1 first, then the
    oldest: each goes to an eligible agent (a member of the level, on shift, available,
    with the skill where the policy asks for it, below the cap, not its requester).
    With ``agent_id``, only that agent is given work (they have just become available).
    One transaction per ticket; returns how many were assigned."""
    policy = policy_for(level=level)
    if policy is None:
        return 0
    members = level_members(level=level, policy=policy, at=timezone.now())
    if agent_id is not None:
        members = [member for member in members if member.pk == agent_id]
    loads = _Loads([member.pk for member in members])
    passed: list[int] = []  # tickets nobody may take now (skills, requester)
    assigned = 0
    while assigned < limit:
        with transaction.atomic():
            ticket = (
                waiting_tickets(level=level)
                .exclude(pk__in=passed)
                .select_for_update(skip_locked=True, of=("self",))
                .first()
            )
            if ticket is None:
                break
            outcome = _give(ticket, members, policy, loads, at=timezone.now())
        if outcome.nobody_at_all:
            break
        if outcome.assigned:
            assigned += 1
        else:
            passed.append(ticket.pk)
    return assigned


def agent_assign_waiting(*, agent_id: int) -> int:
    """An agent has become available: the oldest unassigned tickets of their levels, P1
    first, go to them, up to the cap."""
    user = get_user_model().objects.filter(pk=agent_id, is_active=True).first()
    if user is None:
        return 0
    return sum(
        level_assign_waiting(level=level, agent_id=agent_id)
        for level in user.support_levels.order_by("number").values_list("number", flat=True)
    )


def levels_assign_waiting() -> int:
    """Every level with a policy (the periodic sweep: shifts that began, tickets a busy
    moment left waiting)."""
    return sum(level_assign_waiting(level=level) for level in Level.values)


@transaction.atomic
def agent_presence_set(*, user, presence: str, at: datetime | None = None) -> AgentProfile:
    """The agent says whether they can take work (available, away, off); a choice of
    away or off lasts until the end of the shift it was made in. Becoming available
    hands them the waiting tickets of their levels, after the commit."""
    if not has_presence(user):
        raise NotAllowedError(_("Only agents of a support level have a presence."))
    if presence not in Presence.values:
        raise TicketError(_("Choose available, away or off."))
    now = at or timezone.now()
    AgentProfile.objects.get_or_create(user=user)
    profile = AgentProfile.objects.select_for_update(of=("self",)).select_related("calendar").get(user=user)
    calendar = shift_calendar(profile=profile, user=user, policy=shift_policy(user), at=now)
    before = presence_effective(profile=profile, calendar=calendar, at=now)
    profile.presence, profile.presence_set_at = presence, now
    profile.save(update_fields=["presence", "presence_set_at"])
    if (
        presence_effective(profile=profile, calendar=calendar, at=now) == Presence.AVAILABLE
        and before != Presence.AVAILABLE
    ):
        transaction.on_commit(lambda: signature(AGENT_TASK, args=(user.pk,)).apply_async())
    return profile


def _profile_locked(agent) -> AgentProfile:
    AgentProfile.objects.get_or_create(user=agent)
    return AgentProfile.objects.select_for_update(of=("self",)).get(user=agent)


@transaction.atomic
def agent_skills_set(*, agent, skills: dict[int, int | None]) -> None:
    """Replace the agent's skills with ``skills`` (category id → proficiency or None);
    an unknown category or a proficiency outside 1 to 5 changes nothing."""
    for proficiency in skills.values():
        if proficiency is not None and not 1 <= proficiency <= 5:
            raise TicketError(_("A proficiency is a number from 1 to 5, or empty."))
    unknown = sorted(set(skills) - set(Category.objects.filter(pk__in=list(skills)).values_list("pk", flat=True)))
    if unknown:
        raise TicketError(
            _("There is no category with the id %(ids)s.") % {"ids": ", ".join(str(pk) for pk in unknown)}
        )
    _profile_locked(agent)  # one change to an agent's skills at a time
    AgentSkill.objects.filter(agent=agent).exclude(category_id__in=list(skills)).delete()
    for category_id, proficiency in skills.items():
        AgentSkill.objects.update_or_create(agent=agent, category_id=category_id, defaults={"proficiency": proficiency})


@transaction.atomic
def agent_calendar_set(*, agent, calendar_id: int | None) -> AgentProfile:
    """Give the agent a shift calendar of their own, or none (None: their level's)."""
    if calendar_id is not None and not Calendar.objects.filter(pk=calendar_id).exists():
        raise TicketError(_("There is no business calendar with the id %(id)s.") % {"id": calendar_id})
    profile = _profile_locked(agent)
    profile.calendar_id = calendar_id
    profile.save(update_fields=["calendar"])
    return profile


def managers_only() -> str:
    return _("Only supervisors and administrators can change an agent's shift or skills.")


# Leaves a field of agent_routing_update as it is.
UNCHANGED: Any = object()


@transaction.atomic
def agent_routing_update(*, agent_id: int, by, calendar_id: Any = UNCHANGED, skills: Any = UNCHANGED):
    """A supervisor or administrator sets an agent's shift calendar and skills together:
    both are saved, or (on any refusal) neither."""
    if not agents_managed_by(by):
        raise NotAllowedError(managers_only())
    agent = agent_staff().filter(pk=agent_id).first()
    if agent is None:
        raise TicketError(_("There is no agent with the id %(id)s.") % {"id": agent_id})
    if calendar_id is not UNCHANGED:
        agent_calendar_set(agent=agent, calendar_id=calendar_id)
    if skills is not UNCHANGED:
        agent_skills_set(agent=agent, skills=skills)
    return agent
