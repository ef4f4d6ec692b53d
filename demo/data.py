"""Demo data: the six demo accounts and realistic tickets, inserted in bulk."""

import random
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from accounts.choices import Level, Role
from accounts.models import SupportLevel
from accounts.services import roles_sync, user_set_role
from sla.models import SlaClock, SlaEvent
from sla.schedule import Schedule, pending_thresholds, sla_schedule
from sla.selectors import business_calendar, sla_policy_for
from tickets.choices import OPEN_STATUSES, Channel, EventKind, Impact, Status, Urgency, priority_for
from tickets.models import Category, Comment, Ticket, TicketEvent
from tickets.services.sla import sla_columns, ticket_clock_facts

# username, first name, last name, role, levels, phone
DEMO_USERS = [
    ("requester", "Rina", "Wulandari", Role.REQUESTER, [], ""),
    ("agent1", "Andi", "Pratama", Role.AGENT, [1], "+6281200000001"),
    ("agent2", "Budi", "Santoso", Role.AGENT, [2], "+6281200000002"),
    ("agent3", "Citra", "Lestari", Role.AGENT, [3], "+6281200000003"),
    ("supervisor", "Dewi", "Kusuma", Role.SUPERVISOR, [], "+6281200000009"),
    ("admin", "Eko", "Saputra", Role.ADMIN, [], ""),
]
EXTRA_REQUESTERS = [
    ("siti", "Siti", "Rahmawati"),
    ("joko", "Joko", "Widodo"),
    ("maya", "Maya", "Anggraini"),
    ("hendra", "Hendra", "Gunawan"),
    ("lina", "Lina", "Marlina"),
]

SUBJECTS = {
    "Password and account": [
        "Cannot log in after password expired",
        "Account locked after three wrong passwords",
        "Lupa kata sandi email kantor",
        "New employee needs an account",
        "Reset password for the HR system",
    ],
    "Email": [
        "Outlook keeps asking for my password",
        "Mailbox full, cannot send",
        "Email tidak bisa terkirim ke luar kantor",
        "Shared calendar not syncing",
    ],
    "Printer and scanner": [
        "Printer on floor 3 jams every page",
        "Scanner does not send to email",
        "Printer tidak terdeteksi di laptop",
        "Toner low warning on finance printer",
    ],
    "PC and laptop": [
        "Laptop very slow after update",
        "PC will not boot, beeps three times",
        "Layar laptop berkedip",
        "Need Windows reinstalled",
        "Keyboard keys not working",
    ],
    "Software installation": [
        "Please install LibreOffice",
        "Antivirus expired on my PC",
        "Install aplikasi akuntansi baru",
        "Update the browser on reception PC",
    ],
    "Network and Wi-Fi": [
        "Wi-Fi drops every few minutes in meeting room",
        "VPN connects but no internal sites",
        "Internet lambat di lantai 2",
        "IP address blocked by firewall",
        "Modem in branch office offline",
    ],
    "Server down": [
        "File server not reachable",
        "Intranet returns 502",
        "Server aplikasi gudang mati",
        "Database server unreachable since 08:00",
    ],
    "Server performance": [
        "ERP very slow during month-end",
        "Disk on mail server 95 % full",
        "CPU alarm on web server",
    ],
    "Backup and restore": [
        "Restore deleted folder from yesterday",
        "Nightly backup failed",
        "Kembalikan file yang terhapus",
    ],
    "Hosting and control panel": [
        "Website SSL certificate expired",
        "cPanel email forwarder not working",
        "Cannot upload files to hosting",
    ],
    "Critical system failure": [
        "Payroll system crashes on calculation",
        "Core banking interface rejects all transactions",
        "Sistem kasir tidak bisa transaksi",
    ],
    "Hardware repair or replacement": [
        "Laptop screen cracked after a fall",
        "Keyboard keys stopped working",
        "UPS battery needs replacement",
        "Layar laptop bergaris",
    ],
    "Procurement request": [
        "Request: 5 new laptops for new hires",
        "Request: licence for design software",
        "Permintaan monitor tambahan",
    ],
}
DESCRIPTION = (
    "What happened: {subject}.\n"
    "When: since this morning.\n"
    "Tried: restarted the computer, still the same.\n"
    "Location: {place}."
)
PLACES = ["Head office, floor 2", "Head office, floor 3", "Surabaya branch", "Bandung branch", "Warehouse", "Finance"]

# How people reach the helpdesk, as often as each way does (alert tickets come from the
# monitoring systems, not from the demo's people).
PEOPLE_CHANNELS = {
    Channel.WEB: 60,
    Channel.EMAIL: 15,
    Channel.PHONE: 15,
    Channel.SMS: 3,
    Channel.CHAT: 5,
    Channel.API: 2,
}


def demo_users_ensure(*, password: str) -> dict[str, object]:
    """Create the demo accounts that are missing (existing ones are left alone)."""
    roles_sync()
    User = get_user_model()
    hashed = make_password(password)  # hash once: the slow part of creating accounts
    levels = {level.number: level for level in SupportLevel.objects.all()}
    users = {}
    for username, first, last, role, member_of, phone in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create(
                username=username,
                email=f"{username}@example.com",
                password=hashed,
                first_name=first,
                last_name=last,
                phone=phone,
            )
            if role == Role.ADMIN:
                user.is_superuser = True
                user.is_staff = True
                user.save(update_fields=["is_superuser", "is_staff"])
            user_set_role(user=user, role=role)
            for number in member_of:
                levels[number].members.add(user)
        users[username] = user
    for username, first, last in EXTRA_REQUESTERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create(
                username=username, email=f"{username}@example.com", password=hashed, first_name=first, last_name=last
            )
            user_set_role(user=user, role=Role.REQUESTER)
        users[username] = user
    return users


def demo_tickets_create(*, count: int, users: dict, seed: int = 2026, batch_size: int = 5000, days: int = 120) -> int:
    """Insert ``count`` tickets with their audit events (and a few comments), in bulk.
    About a third stay open, spread over all levels and priorities."""
    rng = random.Random(seed)
    categories = list(Category.objects.all())
    requesters = [u for name, u in users.items() if name in {"requester", *[r[0] for r in EXTRA_REQUESTERS]}]
    agents = {1: users["agent1"], 2: users["agent2"], 3: users["agent3"]}
    now = timezone.now()
    sla = DemoSla()
    created = 0
    impacts, urgencies = list(Impact.values), list(Urgency.values)
    statuses = [Status.NEW, Status.OPEN, Status.PENDING, Status.RESOLVED, Status.CLOSED]
    status_weights = [10, 18, 6, 16, 50]
    while created < count:
        size = min(batch_size, count - created)
        tickets, plans = [], []
        for _i in range(size):
            category = rng.choice(categories)
            subject = rng.choice(SUBJECTS.get(category.name, ["Something is not working"]))
            impact = category.default_impact if rng.random() < 0.6 else rng.choice(impacts)
            urgency = rng.choice(urgencies)
            status = rng.choices(statuses, status_weights)[0]
            # Open tickets are mostly recent (a few hours, a long tail of days); finished
            # ones spread over the whole period.
            if status in OPEN_STATUSES:
                age_minutes = min(5 + rng.expovariate(1 / (10 * 60)), 10 * 24 * 60)
            else:
                age_minutes = rng.randint(5, days * 24 * 60)
            created_at = now - timedelta(minutes=age_minutes)
            escalations = 0
            level = category.default_level
            if level < Level.III and rng.random() < 0.18:
                escalations = 1 if level == Level.II or rng.random() < 0.7 else 2
                level += escalations
            assignee = agents[level] if status != Status.NEW and rng.random() < 0.8 else None
            responded = status != Status.NEW
            first_response = min(created_at + timedelta(minutes=rng.randint(3, 240)), now) if responded else None
            resolved_at = closed_at = None
            updated_at = first_response or created_at
            if status in (Status.RESOLVED, Status.CLOSED):
                resolved_at = first_response + timedelta(minutes=rng.randint(10, 4000))
                updated_at = resolved_at
                if status == Status.CLOSED:
                    closed_at = resolved_at + timedelta(minutes=rng.randint(5, 2000))
                    updated_at = closed_at
            updated_at = min(updated_at, now)
            tickets.append(
                Ticket(
                    requester=rng.choice(requesters),
                    subject=subject,
                    description=DESCRIPTION.format(subject=subject, place=rng.choice(PLACES)),
                    category=category,
                    impact=impact,
                    urgency=urgency,
                    priority=priority_for(impact=impact, urgency=urgency),
                    status=status,
                    level=level,
                    level_entered_at=created_at + timedelta(minutes=1 + escalations) if escalations else created_at,
                    assignee=assignee,
                    channel=rng.choices(list(PEOPLE_CHANNELS), list(PEOPLE_CHANNELS.values()))[0],
                    resolution="Fixed: see the conversation for the steps taken." if resolved_at else "",
                    created_at=created_at,
                    updated_at=updated_at,
                    first_response_at=first_response,
                    resolved_at=min(resolved_at, now) if resolved_at else None,
                    closed_at=min(closed_at, now) if closed_at else None,
                )
            )
            ticket = tickets[-1]
            changes = _status_changes(ticket)
            ticket_sla = sla.schedule(ticket, changes, now=now)
            for column, value in sla_columns(ticket_sla.schedule).items():
                setattr(ticket, column, value)
            plans.append(
                (category.default_level, escalations, responded, changes, ticket_sla.crossed, ticket_sla.schedule)
            )
        with transaction.atomic():
            Ticket.objects.bulk_create(tickets, batch_size=batch_size)
            events, comments, sla_events = [], [], []
            SlaClock.objects.bulk_create(
                [
                    SlaClock(ticket=ticket, next_check_at=plan[5].next_check_at)
                    for ticket, plan in zip(tickets, plans, strict=True)
                ],
                batch_size=batch_size,
            )
            for ticket, (start_level, escalations, responded, changes, crossed, _schedule) in zip(
                tickets, plans, strict=True
            ):
                if ticket.status == Status.PENDING:
                    events.append(
                        TicketEvent(
                            ticket=ticket,
                            actor=agents[ticket.level],
                            kind=EventKind.STATUS_CHANGED,
                            field="status",
                            from_value=Status.OPEN,
                            to_value=Status.PENDING,
                            reason="Asked the user for a screenshot.",
                            created_at=changes[0][0],
                        )
                    )
                # Thresholds already behind us were dealt with back then: recorded, not re-sent.
                sla_events += [
                    SlaEvent(
                        ticket=ticket,
                        metric=metric,
                        threshold=threshold,
                        due_at=at,
                        level=ticket.level,
                        recorded_at=at,
                        notified_at=at,
                    )
                    for metric, threshold, at in crossed
                ]
                events.append(
                    TicketEvent(
                        ticket=ticket,
                        actor=ticket.requester,
                        kind=EventKind.CREATED,
                        field="level",
                        to_value=str(start_level),
                        created_at=ticket.created_at,
                    )
                )
                for step in range(escalations):
                    events.append(
                        TicketEvent(
                            ticket=ticket,
                            actor=agents[start_level + step],
                            kind=EventKind.ESCALATED,
                            field="level",
                            from_value=str(start_level + step),
                            to_value=str(start_level + step + 1),
                            reason="Needs deeper access than this level has.",
                            created_at=ticket.created_at + timedelta(minutes=2 + step),
                        )
                    )
                if responded:
                    comments.append(
                        Comment(
                            ticket=ticket,
                            author=agents[ticket.level],
                            created_at=ticket.first_response_at,
                            body="Thank you, we are looking into it. Could you tell us when it last worked?",
                        )
                    )
                if ticket.resolved_at:
                    events.append(
                        TicketEvent(
                            ticket=ticket,
                            actor=agents[ticket.level],
                            kind=EventKind.RESOLVED,
                            field="status",
                            from_value=Status.OPEN,
                            to_value=Status.RESOLVED,
                            reason=ticket.resolution,
                            created_at=ticket.resolved_at,
                        )
                    )
                if ticket.closed_at:
                    events.append(
                        TicketEvent(
                            ticket=ticket,
                            actor=ticket.requester,
                            kind=EventKind.CLOSED,
                            field="status",
                            from_value=Status.RESOLVED,
                            to_value=Status.CLOSED,
                            created_at=ticket.closed_at,
                        )
                    )
            TicketEvent.objects.bulk_create(events, batch_size=batch_size)
            SlaEvent.objects.bulk_create(sla_events, batch_size=batch_size)
            Comment.objects.bulk_create(comments, batch_size=batch_size)
        created += size
    return created


def _status_changes(ticket: Ticket) -> list[tuple]:
    """The status history the demo implies (pending since the last update)."""
    if ticket.status == Status.PENDING:
        return [(ticket.updated_at, Status.PENDING)]
    changes = []
    if ticket.resolved_at:
        changes.append((ticket.resolved_at, Status.RESOLVED))
    if ticket.closed_at:
        changes.append((ticket.closed_at, Status.CLOSED))
    return changes


@dataclass
class DemoTicketSla:
    schedule: Schedule
    crossed: list[tuple[str, str, object]]


class DemoSla:
    """SLA schedules for demo tickets, with one calendar per policy built once."""

    def __init__(self) -> None:
        self.policies = {}
        for priority in (1, 2, 3, 4):
            policy = sla_policy_for(priority=priority, category_id=None)
            self.policies[priority] = (policy, business_calendar(policy.calendar) if policy else None)

    def schedule(self, ticket: Ticket, changes: list[tuple], *, now) -> DemoTicketSla:
        policy, calendar = self.policies[ticket.priority]
        facts = ticket_clock_facts(ticket, changes)
        schedule = sla_schedule(facts=facts, targets=policy, calendar=calendar)
        crossed = [
            (metric, threshold, at)
            for metric, threshold in pending_thresholds(facts)
            if (at := schedule.thresholds[(metric, threshold)]) is not None and at <= now
        ]
        if crossed:
            recorded = {(metric, threshold) for metric, threshold, _at in crossed}
            schedule = sla_schedule(facts=facts, targets=policy, calendar=calendar, recorded=recorded)
        return DemoTicketSla(schedule=schedule, crossed=crossed)
