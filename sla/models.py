from zoneinfo import available_timezones

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.choices import Level

from .choices import SlaMetric, SlaThreshold, Weekday


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
    # While a ticket waits on someone else, its clock pauses, each wait as the policy says.
    pause_on_customer = models.BooleanField(
        _("pause while pending on the customer"),
        default=True,
        help_text=_("The clock stops while the ticket waits for the requester's answer."),
    )
    pause_on_vendor = models.BooleanField(
        _("pause while pending on a vendor"),
        default=True,
        help_text=_("The clock stops while a vendor escalation is open."),
    )
    pause_on_third_party = models.BooleanField(
        _("pause while pending on a third party"),
        default=True,
        help_text=_("The clock stops while the ticket waits on another department, a telco or another outside party."),
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
