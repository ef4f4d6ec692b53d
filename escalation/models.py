import secrets
import zoneinfo
from datetime import datetime, timedelta
from zoneinfo import available_timezones

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .choices import (
    DEFAULT_SMS_KINDS,
    NON_ESSENTIAL_KINDS,
    REQUESTER_KINDS,
    STAFF_KINDS,
    Level,
    NotificationChannel,
    NotificationKind,
    NotificationStatus,
    RuleTrigger,
    SlaMetric,
    SlaThreshold,
    Weekday,
)

SMS_PRIORITY_CHOICES = [
    (1, _("P1 only")),
    (2, _("P1 and P2")),
    (3, _("P1 to P3")),
    (4, _("Every priority")),
]


class SupportLevel(models.Model):
    """A support tier (I, II, III) and the agents who work it; one row per tier."""

    number = models.PositiveSmallIntegerField(_("level"), choices=Level.choices, unique=True)
    name = models.CharField(_("name"), max_length=80)
    description = models.TextField(_("description"), blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="support_levels", verbose_name=_("agents")
    )

    class Meta:
        ordering = ["number"]
        verbose_name = _("support level")
        verbose_name_plural = _("support levels")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """The name in the reader's language (for the ones the helpdesk starts with)."""
        return gettext(self.name)


class Notification(models.Model):
    """One message to one recipient on one channel: the outbox row, written in the same
    transaction as the ticket change it announces and delivered by a Celery worker."""

    kind = models.CharField(_("kind"), max_length=32, choices=NotificationKind.choices)
    channel = models.CharField(_("channel"), max_length=8, choices=NotificationChannel.choices)
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="notifications")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="notifications"
    )
    address = models.CharField(_("address"), max_length=500)
    webhook = models.ForeignKey(
        "WebhookEndpoint", on_delete=models.SET_NULL, null=True, blank=True, related_name="deliveries"
    )
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    body_text = models.TextField(_("text"))
    body_html = models.TextField(_("HTML"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=NotificationStatus.choices, default=NotificationStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    provider_id = models.CharField(_("provider message id"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status__in=["pending", "sending", "failed"]),
                name="notification_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.address} ({self.get_status_display()})"

    @property
    def delivery_key(self) -> str:
        """The same for every attempt at this message and unique across installs that
        share a mail domain: the email's Message-ID and the SMS gateway's reference, so a
        message sent again after a worker died mid-send is recognised as the same one."""
        return f"helpdesk.{self.pk}.{self.created_at:%Y%m%d%H%M%S%f}"


def _webhook_secret() -> str:
    return secrets.token_hex(32)


class WebhookEndpoint(models.Model):
    """An outside system told about ticket events by a signed HTTP POST, delivered
    through the same outbox as mail and SMS (retried, visible in the delivery log)."""

    name = models.CharField(_("name"), max_length=120)
    url = models.URLField(
        _("URL"), max_length=500, help_text=_("Where the events are POSTed (https:// in production).")
    )
    secret = models.CharField(
        _("signing secret"),
        max_length=128,
        default=_webhook_secret,
        help_text=_(
            "Each request carries X-Helpdesk-Signature: v1=HMAC-SHA256(secret, timestamp + '.' + body) in hex, "
            "and X-Helpdesk-Timestamp."
        ),
    )
    events = models.JSONField(_("events"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.url})"


def _default_email_kinds() -> list[str]:
    return [str(kind) for kind in STAFF_KINDS]


def _default_sms_kinds() -> list[str]:
    return [str(kind) for kind in DEFAULT_SMS_KINDS]


class NotificationPreference(models.Model):
    """How one person wants to hear from the helpdesk. Without a row, the defaults hold:
    every staff notification by email, escalations, breaches and pages by SMS for P1 and
    P2, no quiet hours, and all mail about one's own tickets."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="notification_preference",
        verbose_name=_("user"),
    )
    email_kinds = models.JSONField(_("email for"), default=_default_email_kinds, blank=True)
    sms_kinds = models.JSONField(_("SMS for"), default=_default_sms_kinds, blank=True)
    sms_max_priority = models.PositiveSmallIntegerField(
        _("SMS only for priority"),
        choices=SMS_PRIORITY_CHOICES,
        default=2,
        help_text=_("Tickets of lower priority reach you by email only. A supervisor page always comes by SMS."),
    )
    quiet_start = models.TimeField(_("quiet hours from"), null=True, blank=True)
    quiet_end = models.TimeField(_("quiet hours until"), null=True, blank=True)
    essential_email_only = models.BooleanField(
        _("essential email only"),
        default=False,
        help_text=_("About your own tickets, email me only when support replies or resolves them."),
    )

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quiet_start__isnull=True, quiet_end__isnull=True)
                | models.Q(quiet_start__isnull=False, quiet_end__isnull=False),
                name="notification_preference_quiet_hours_both_or_neither",
            )
        ]

    def __str__(self) -> str:
        return str(self.user)

    def wants(self, *, kind: str, channel: str, priority: int) -> bool:
        """Whether a notification of this kind, about a ticket of this priority, should
        reach this person on this channel."""
        if kind in REQUESTER_KINDS:
            return channel == NotificationChannel.EMAIL and not (
                self.essential_email_only and kind in NON_ESSENTIAL_KINDS
            )
        if channel == NotificationChannel.EMAIL:
            return kind in self.email_kinds
        return kind in self.sms_kinds and (
            kind == NotificationKind.SUPERVISOR_PAGE or priority <= self.sms_max_priority
        )

    def quiet_until(self, *, at: datetime, time_zone: str) -> datetime | None:
        """When the quiet hours around ``at`` end (in the person's time zone), or None
        when ``at`` is outside them. Quiet hours may run past midnight (22:00-06:00)."""
        if self.quiet_start is None or self.quiet_end is None or self.quiet_start == self.quiet_end:
            return None
        try:
            zone = zoneinfo.ZoneInfo(time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
        local = at.astimezone(zone)
        now, start, end = local.time(), self.quiet_start, self.quiet_end
        if start < end:
            quiet, end_day = start <= now < end, local.date()
        else:  # runs past midnight
            quiet = now >= start or now < end
            end_day = local.date() + timedelta(days=1) if now >= start else local.date()
        if not quiet:
            return None
        return datetime.combine(end_day, end, tzinfo=zone)


def validate_time_zone(value: str) -> None:
    if value not in available_timezones():
        raise ValidationError(_("“%(zone)s” is not a time zone name such as Asia/Jakarta.") % {"zone": value})


class Calendar(models.Model):
    """When SLA clocks run: weekly working hours in one time zone, minus holidays
    (Indonesian public holidays from the holidays package, plus any added by hand)."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default="Asia/Jakarta",
        validators=[validate_time_zone],
        help_text=_("WIB: Asia/Jakarta, WITA: Asia/Makassar, WIT: Asia/Jayapura."),
    )
    always_open = models.BooleanField(
        _("around the clock"), default=False, help_text=_("24×7: every minute counts, holidays included.")
    )
    indonesian_holidays = models.BooleanField(
        _("Indonesian public holidays"),
        default=True,
        help_text=_("Skip Indonesian public holidays and collective leave days."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """The name in the reader's language (for the ones the helpdesk starts with)."""
        return gettext(self.name)


class WorkingPeriod(models.Model):
    """One stretch of working time on a weekday, in the calendar's local time."""

    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="periods")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start = models.TimeField(_("from"))
    end = models.TimeField(_("until"), help_text=_("00:00 means midnight, the end of the day."))

    class Meta:
        ordering = ["weekday", "start"]
        verbose_name = _("working period")
        verbose_name_plural = _("working periods")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="working_period_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"


class Holiday(models.Model):
    """A day off added by hand to a calendar (package holidays are not stored)."""

    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=120)

    class Meta:
        ordering = ["date"]
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="holiday_once_per_calendar_day")]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}"


def _percent_validators():
    return [MinValueValidator(1), MaxValueValidator(99)]


class SlaPolicy(models.Model):
    """Promised times for one priority (optionally one category): first response and
    resolution, counted in the calendar's working time, with two warnings before a breach."""

    priority = models.PositiveSmallIntegerField(_("priority"), choices=[(p, f"P{p}") for p in (1, 2, 3, 4)])
    category = models.ForeignKey(
        "tickets.Category",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="sla_policies",
        verbose_name=_("category"),
        help_text=_("Leave empty for the default policy of this priority."),
    )
    calendar = models.ForeignKey(
        Calendar, on_delete=models.PROTECT, related_name="policies", verbose_name=_("calendar")
    )
    first_response_minutes = models.PositiveIntegerField(_("first response within (minutes)"))
    resolution_minutes = models.PositiveIntegerField(_("resolution within (minutes)"))
    first_warning_percent = models.PositiveSmallIntegerField(
        _("first warning at (% of target)"), default=50, validators=_percent_validators()
    )
    second_warning_percent = models.PositiveSmallIntegerField(
        _("second warning at (% of target)"), default=80, validators=_percent_validators()
    )

    class Meta:
        ordering = ["priority", "category__name"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = [
            models.UniqueConstraint(
                fields=["priority"],
                condition=models.Q(category__isnull=True),
                name="sla_policy_one_default_per_priority",
            ),
            models.UniqueConstraint(fields=["priority", "category"], name="sla_policy_one_per_priority_category"),
            models.CheckConstraint(
                condition=models.Q(second_warning_percent__gt=models.F("first_warning_percent")),
                name="sla_policy_warnings_in_order",
            ),
        ]

    def __str__(self) -> str:
        scope = self.category.display_name if self.category is not None else _("all categories")
        return f"P{self.priority} · {scope}"


class SlaClock(models.Model):
    """When the SLA sweep must next look at a ticket (NULL: nothing ahead). Kept apart from
    the wide, many-indexed ticket row so each sweep updates one small row per ticket."""

    ticket = models.OneToOneField(
        "tickets.Ticket", on_delete=models.CASCADE, primary_key=True, related_name="sla_clock"
    )
    next_check_at = models.DateTimeField(_("next check"), null=True, blank=True)

    class Meta:
        verbose_name = _("SLA clock")
        verbose_name_plural = _("SLA clocks")
        indexes = [
            models.Index(
                fields=["next_check_at"], condition=models.Q(next_check_at__isnull=False), name="sla_clock_due_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} @ {self.next_check_at}"


class SlaEvent(models.Model):
    """A ticket crossed one threshold of one SLA metric; recorded once, whoever sweeps."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="sla_events")
    metric = models.CharField(_("metric"), max_length=16, choices=SlaMetric.choices)
    threshold = models.CharField(_("threshold"), max_length=12, choices=SlaThreshold.choices)
    due_at = models.DateTimeField(_("threshold time"))
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)
    level = models.PositiveSmallIntegerField(_("level at the time"), choices=Level.choices)
    notified_at = models.DateTimeField(_("notified"), null=True, blank=True)

    class Meta:
        ordering = ["recorded_at", "id"]
        verbose_name = _("SLA event")
        verbose_name_plural = _("SLA events")
        constraints = [
            models.UniqueConstraint(fields=["ticket", "metric", "threshold"], name="sla_event_once_per_threshold")
        ]
        indexes = [
            models.Index(fields=["threshold", "recorded_at"], name="sla_event_threshold_idx"),
            # The sweep's retry of events whose notification never went out.
            models.Index(
                fields=["recorded_at"], condition=models.Q(notified_at__isnull=True), name="sla_event_unnotified_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.metric} {self.threshold}"


class EscalationRule(models.Model):
    """One rung of an automatic escalation ladder, e.g. "a P1 not taken within 10 minutes
    at Level I goes to Level II" or "a resolution breach at Level II goes to Level III and
    pages the supervisor". Applied by the SLA sweep through the same service as a person."""

    name = models.CharField(_("name"), max_length=120)
    is_active = models.BooleanField(_("active"), default=True)
    level = models.PositiveSmallIntegerField(_("at level"), choices=Level.choices)
    priority = models.PositiveSmallIntegerField(
        _("priority"),
        choices=[(p, f"P{p}") for p in (1, 2, 3, 4)],
        null=True,
        blank=True,
        help_text=_("Leave empty for every priority."),
    )
    trigger = models.CharField(_("when"), max_length=16, choices=RuleTrigger.choices)
    minutes = models.PositiveIntegerField(
        _("minutes"), null=True, blank=True, help_text=_("For “not taken”: minutes at this level without an assignee.")
    )
    metric = models.CharField(_("SLA metric"), max_length=16, choices=SlaMetric.choices, blank=True)
    threshold = models.CharField(_("SLA threshold"), max_length=12, choices=SlaThreshold.choices, blank=True)
    escalate = models.BooleanField(_("escalate to the next level"), default=True)
    page_supervisors = models.BooleanField(_("page the level's supervisors"), default=False)

    class Meta:
        ordering = ["level", "priority", "name"]
        verbose_name = _("escalation rule")
        verbose_name_plural = _("escalation rules")
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(trigger="not_taken", minutes__isnull=False))
                | (models.Q(trigger="sla_threshold") & ~models.Q(metric="") & ~models.Q(threshold="")),
                name="escalation_rule_trigger_complete",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """The name in the reader's language (for the ones the helpdesk starts with)."""
        return gettext(self.name)

    def clean(self) -> None:
        if self.trigger == RuleTrigger.NOT_TAKEN and not self.minutes:
            raise ValidationError({"minutes": _("Say after how many minutes.")})
        if self.trigger == RuleTrigger.SLA_THRESHOLD and not (self.metric and self.threshold):
            raise ValidationError(_("Choose the SLA metric and threshold that trigger this rule."))
        if self.escalate and self.level == Level.III:
            raise ValidationError({"escalate": _("Level III is the last level; there is no next level.")})


class EscalationRuleFiring(models.Model):
    """A rule fired for a ticket; recorded once (unique), so no sweep applies it twice."""

    rule = models.ForeignKey(EscalationRule, on_delete=models.CASCADE, related_name="firings")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="rule_firings")
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    fired_at = models.DateTimeField(_("fired"), default=timezone.now)

    class Meta:
        ordering = ["fired_at", "id"]
        verbose_name = _("escalation rule firing")
        verbose_name_plural = _("escalation rule firings")
        constraints = [models.UniqueConstraint(fields=["rule", "ticket"], name="escalation_rule_fires_once")]

    def __str__(self) -> str:
        return f"{self.rule_id} → {self.ticket_id}"
