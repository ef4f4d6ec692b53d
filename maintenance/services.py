"""Writes of preventive maintenance: plans kept by supervisors and administrators, and the
generation that opens each occurrence's ticket once.

The generation is set-based. Each batch locks the due plans it takes (``SKIP LOCKED``:
a second beat or worker takes other plans, or none), claims one run row per plan, asset
and due time with ``INSERT … ON CONFLICT DO NOTHING RETURNING`` (the unique run row is the
claim: a row that exists already, whoever wrote it, is never opened again), files the
tickets of the rows it inserted in bulk (tickets.services.tickets_create_batch: SLA
columns and clock, CREATED event, checklist, search words), links them to their assets
and moves each plan on to its next occurrence, all in one transaction, so a crash or a
restart half-way leaves nothing half-done."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from accounts.choices import Level, Role
from accounts.selectors import user_role
from assets.choices import AssetStatus, AssetType
from assets.models import Asset, TicketAsset
from tickets.exceptions import TicketError
from tickets.models import Category
from tickets.services import NewTicket, tickets_create_batch
from tickets.services.checklist import checklist_steps_cleaned
from tickets.text import multi_line, single_line

from .choices import NAME_MAX_LENGTH
from .exceptions import MaintenanceError, NotAllowedError
from .models import MaintenancePlan, MaintenanceRun
from .recurrence import RecurrenceError, latest_occurrence_until, next_occurrence, rule_normalised, rule_parse

# The account maintenance tickets are filed for: not a person, never signs in.
MAINTENANCE_USERNAME = "helpdesk-maintenance"
BATCH_PLANS = 500
MAX_LEAD = timedelta(days=365)


@dataclass(frozen=True)
class PlanFields:
    """What a plan is made of, as a form or the API hands it over."""

    name: str
    rrule: str
    dtstart: datetime
    time_zone: str
    level: int
    asset: Asset | None = None
    asset_type: str = ""
    description: str = ""
    checklist: tuple[str, ...] = ()
    category: Category | None = None
    lead_time: timedelta = timedelta()


def require_planner(user) -> None:
    if user_role(user) not in (Role.SUPERVISOR, Role.ADMIN):
        raise NotAllowedError(_("Only supervisors and administrators keep maintenance plans."))


def maintenance_account():
    """The account maintenance tickets are filed for (created the first time): it has no
    password, no address and cannot sign in, so the acknowledgement and resolution mail a
    requester gets goes nowhere, and nobody's own ticket list fills with scheduled work.
    The plan's author is named on the plan, not as the requester: people leave, plans stay."""
    account, _created = get_user_model().objects.get_or_create(
        username=MAINTENANCE_USERNAME,
        defaults={"first_name": "Preventive", "last_name": "maintenance", "is_active": False, "password": "!"},
    )
    return account


def _cleaned(fields: PlanFields) -> dict:
    name = single_line(fields.name)
    if not name:
        raise MaintenanceError(_("Give the plan a name."))
    if len(name) > NAME_MAX_LENGTH:
        raise MaintenanceError(_("A plan's name is at most %(count)d characters.") % {"count": NAME_MAX_LENGTH})
    if (fields.asset is None) == (not fields.asset_type):
        raise MaintenanceError(_("Choose either one asset or an asset type, not both and not neither."))
    if fields.asset_type and fields.asset_type not in AssetType.values:
        raise MaintenanceError(_("Choose an asset type from the list."))
    if fields.level not in Level.values:
        raise MaintenanceError(_("Choose a support level from the list."))
    if not (timedelta() <= fields.lead_time <= MAX_LEAD):
        raise MaintenanceError(_("Open the ticket between 0 and 365 days ahead."))
    if fields.dtstart.tzinfo is None:
        raise MaintenanceError(_("Give the first occurrence a date and time in a time zone."))
    try:
        rule_parse(fields.rrule, dtstart=fields.dtstart, time_zone=fields.time_zone)
        steps = checklist_steps_cleaned(list(fields.checklist))
    except RecurrenceError as exc:
        raise MaintenanceError(exc.message) from None
    except TicketError as exc:
        raise MaintenanceError(exc.message) from None
    return {
        "name": name,
        "description": multi_line(fields.description),
        "asset": fields.asset,
        "asset_type": fields.asset_type if fields.asset is None else "",
        "rrule": rule_normalised(fields.rrule),
        "dtstart": fields.dtstart,
        "time_zone": fields.time_zone,
        "checklist": steps,
        "level": fields.level,
        "category": fields.category,
        "lead_time": fields.lead_time,
    }


def _schedule(plan: MaintenancePlan, *, after: datetime) -> None:
    """Point the plan at its first occurrence whose ticket is not yet due to open, from
    ``after`` on (an edit never back-fills the past)."""
    due = next_occurrence(
        plan.rrule,
        dtstart=plan.dtstart,
        time_zone=plan.time_zone,
        after=max(after, plan.dtstart) - timedelta(seconds=1),
    )
    plan.next_due_at = due
    plan.next_open_at = due - plan.lead_time if due is not None else None


@transaction.atomic
def plan_create(*, by, fields: PlanFields) -> MaintenancePlan:
    """A new plan, active, pointed at its first occurrence from now on."""
    require_planner(by)
    now = timezone.now()
    plan = MaintenancePlan(**_cleaned(fields), created_by=by, created_at=now, updated_at=now)
    _schedule(plan, after=now)
    plan.save(force_insert=True)
    return plan


@transaction.atomic
def plan_update(*, plan_id: int, by, fields: PlanFields) -> MaintenancePlan:
    """Change a plan; its next occurrence is read again from now on (runs already opened stay)."""
    require_planner(by)
    plan = MaintenancePlan.objects.select_for_update().get(pk=plan_id)
    for name, value in _cleaned(fields).items():
        setattr(plan, name, value)
    now = timezone.now()
    plan.updated_at = now
    _schedule(plan, after=now)
    plan.save()
    return plan


@transaction.atomic
def plan_set_active(*, plan_id: int, by, active: bool) -> MaintenancePlan:
    """Stop a plan opening tickets, or start it again from its next occurrence from now on."""
    require_planner(by)
    plan = MaintenancePlan.objects.select_for_update().get(pk=plan_id)
    if plan.is_active == active:
        return plan
    now = timezone.now()
    plan.is_active, plan.updated_at = active, now
    if active:
        _schedule(plan, after=now)
    plan.save(update_fields=["is_active", "updated_at", "next_due_at", "next_open_at"])
    return plan


def _claim(rows: list[tuple[int, int, datetime]], now: datetime) -> list[tuple[int, int, int, datetime]]:
    """Insert the run rows that do not exist yet; the (id, plan, asset, due) of those this
    call inserted, and only those."""
    table = MaintenanceRun._meta.db_table
    claimed: list[tuple[int, int, int, datetime]] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 1000):
            chunk = rows[start : start + 1000]
            values = ", ".join(["(%s, %s, %s, %s)"] * len(chunk))
            # Raw SQL gets no field conversion: datetimes are adapted as the backend stores them
            # (UTC text on SQLite, timestamptz as it is on PostgreSQL).
            adapt = connection.ops.adapt_datetimefield_value
            params = [
                value for plan_id, asset_id, due_at in chunk for value in (plan_id, asset_id, adapt(due_at), adapt(now))
            ]
            cursor.execute(
                f"INSERT INTO {table} (plan_id, asset_id, due_at, created_at) VALUES {values} "  # noqa: S608
                "ON CONFLICT (plan_id, asset_id, due_at) DO NOTHING RETURNING id, plan_id, asset_id, due_at",
                params,
            )
            # The due time as given (aware), not as the backend hands it back.
            due_of = {(plan_id, asset_id): due_at for plan_id, asset_id, due_at in chunk}
            claimed += [
                (run_id, plan_id, asset_id, due_of[(plan_id, asset_id)])
                for run_id, plan_id, asset_id, _due in cursor.fetchall()
            ]
    return claimed


def _ticket_words(plan: MaintenancePlan, asset: Asset, due_at: datetime, when_of: dict) -> tuple[str, str]:
    """Subject and description, in the helpdesk's language (the ticket is read by whoever
    works it; the checklist and the plan's own instructions stay as written). Called with
    the helpdesk's language active; ``when_of`` keeps the due times already written."""
    key = (due_at, plan.time_zone)
    if key not in when_of:
        when_of[key] = formats.date_format(due_at.astimezone(ZoneInfo(plan.time_zone)), "DATETIME_FORMAT")
    when = when_of[key]
    label = f"{asset.tag} {asset.name}".strip()
    subject = _("Maintenance: %(plan)s — %(asset)s") % {"plan": plan.name, "asset": label}
    lines = [
        _("Preventive maintenance “%(plan)s”, due %(when)s (%(zone)s).")
        % {"plan": plan.name, "when": when, "zone": plan.time_zone},
        _("Asset: %(asset)s") % {"asset": label} + (f" — {asset.location}" if asset.location else ""),
    ]
    if plan.description:
        lines += ["", plan.description]
    if plan.checklist:
        lines += [
            "",
            _("Tick the checklist on this ticket as you go; it is resolved once every step is done or skipped."),
        ]
    return subject, "\n".join(lines)


def _open_batch(now: datetime, skip: set[int]) -> int:
    with transaction.atomic():
        plans = list(
            MaintenancePlan.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(is_active=True, next_open_at__lte=now)
            .exclude(pk__in=skip)
            .select_related("asset", "category")
            .order_by("next_open_at", "id")[:BATCH_PLANS]
        )
        if not plans:
            return -1
        due_of: dict[int, datetime] = {}
        for plan in plans:
            assert plan.next_due_at is not None
            # Occurrences missed while the helpdesk was down are not back-filled: the
            # latest one due to open is opened, once.
            try:
                due_of[plan.pk] = (
                    latest_occurrence_until(
                        plan.rrule,
                        dtstart=plan.dtstart,
                        time_zone=plan.time_zone,
                        since=plan.next_due_at,
                        until=now + plan.lead_time,
                    )
                    or plan.next_due_at
                )
            except RecurrenceError:
                # A rule that cannot be read now is left for the next round.
                skip.add(plan.pk)
        plans = [plan for plan in plans if plan.pk in due_of]
        types = {plan.asset_type for plan in plans if plan.asset_type}
        of_type: dict[str, list[Asset]] = {}
        if types:
            for found in Asset.objects.filter(asset_type__in=types).exclude(status=AssetStatus.RETIRED).order_by("id"):
                of_type.setdefault(found.asset_type, []).append(found)
        assets: dict[int, Asset] = {}
        wanted: list[tuple[int, int, datetime]] = []
        for plan in plans:
            covered: list[Asset | None] = list(of_type.get(plan.asset_type, [])) if plan.asset_type else [plan.asset]
            for each in covered:
                if each is None or each.status == AssetStatus.RETIRED:
                    continue
                assets[each.pk] = each
                wanted.append((plan.pk, each.pk, due_of[plan.pk]))
        claimed = _claim(wanted, now)
        by_id = {plan.pk: plan for plan in plans}
        specs = []
        when_of: dict = {}
        with translation.override(settings.LANGUAGE_CODE):
            words = [
                _ticket_words(by_id[plan_id], assets[asset_id], due_at, when_of)
                for _run_id, plan_id, asset_id, due_at in claimed
            ]
        for (_run_id, plan_id, _asset_id, _due_at), (subject, description) in zip(claimed, words, strict=True):
            plan = by_id[plan_id]
            specs.append(
                NewTicket(
                    subject=subject,
                    description=description,
                    level=plan.level,
                    category=plan.category,
                    checklist=tuple(plan.checklist or ()),
                )
            )
        tickets = tickets_create_batch(requester=maintenance_account(), tickets=specs) if specs else []
        TicketAsset.objects.bulk_create(
            [
                TicketAsset(ticket_id=ticket.pk, asset_id=asset_id, added_at=now)
                for ticket, (_run_id, _plan, asset_id, _due) in zip(tickets, claimed, strict=True)
            ],
            batch_size=1000,
        )
        for plan in plans:
            try:
                _schedule(plan, after=due_of[plan.pk] + timedelta(seconds=1))
            except RecurrenceError:
                plan.next_due_at = plan.next_open_at = None
        # One statement each, its rows sent in a pipeline (bulk_update's CASE per row costs
        # more to build than the rows cost to write).
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {MaintenanceRun._meta.db_table} SET ticket_id = %s WHERE id = %s",  # noqa: S608
                [(ticket.pk, run_id) for ticket, (run_id, _p, _a, _d) in zip(tickets, claimed, strict=True)],
            )
            cursor.executemany(
                f"UPDATE {MaintenancePlan._meta.db_table} SET next_due_at = %s, next_open_at = %s WHERE id = %s",  # noqa: S608
                [
                    (
                        connection.ops.adapt_datetimefield_value(plan.next_due_at),
                        connection.ops.adapt_datetimefield_value(plan.next_open_at),
                        plan.pk,
                    )
                    for plan in plans
                ],
            )
        return len(tickets)


def maintenance_runs_open(*, now: datetime | None = None) -> int:
    """Open the ticket of every run whose open time (due − lead time) has come, once each;
    batch by batch until no plan is due. Returns how many tickets were opened."""
    now = now or timezone.now()
    opened = 0
    skip: set[int] = set()
    while (count := _open_batch(now, skip)) >= 0:
        opened += count
    return opened
