from datetime import date, timedelta

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from accounts.choices import Level
from tickets.models import Category

from .selectors import MAX_RANGE_DAYS, ReportFilters, month_range

# The days a report may cover: before and after any ticket's, and well inside what the
# time-zone arithmetic of a day's bounds and the database can hold (year 1 or 9999 cannot
# be turned into an instant in every zone).
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2100, 12, 31)


def day_within_bounds(value: date | None) -> None:
    if value is not None and not FIRST_DAY <= value <= LAST_DAY:
        raise forms.ValidationError(
            _("Choose a day between %(first)s and %(last)s."),
            code="out_of_range",
            params={"first": FIRST_DAY.isoformat(), "last": LAST_DAY.isoformat()},
        )


def month_within_bounds(value: date | None) -> None:
    if value is not None and not FIRST_DAY <= value <= LAST_DAY:
        raise forms.ValidationError(
            _("Choose a month between %(first)s and %(last)s."),
            code="out_of_range",
            params={"first": FIRST_DAY.strftime("%Y-%m"), "last": LAST_DAY.strftime("%Y-%m")},
        )


PRESETS = [
    ("today", _("Today")),
    ("7d", _("Last 7 days")),
    ("30d", _("Last 30 days")),
    ("month", _("This month")),
    ("custom", _("Custom")),
]


def preset_range(preset: str, today: date) -> tuple[date, date]:
    if preset == "today":
        return today, today
    if preset == "7d":
        return today - timedelta(days=6), today
    if preset == "month":
        return today.replace(day=1), today
    return today - timedelta(days=29), today


class ReportFilterForm(forms.Form):
    """The report's filters, from the query string. An agent's form has no agent field:
    their report is always their own."""

    preset = forms.ChoiceField(label=_("Period"), choices=PRESETS, required=False)
    start = forms.DateField(
        label=_("From"),
        required=False,
        validators=[day_within_bounds],
        widget=forms.DateInput(attrs={"type": "date", "min": FIRST_DAY.isoformat(), "max": LAST_DAY.isoformat()}),
    )
    end = forms.DateField(
        label=_("Until"),
        required=False,
        validators=[day_within_bounds],
        widget=forms.DateInput(attrs={"type": "date", "min": FIRST_DAY.isoformat(), "max": LAST_DAY.isoformat()}),
    )
    level = forms.TypedChoiceField(
        label=_("Level"), choices=[("", _("All levels")), *Level.choices], coerce=int, required=False, empty_value=None
    )
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.order_by("name"), required=False, empty_label=_("All categories")
    )
    agent = forms.ModelChoiceField(
        label=_("Agent"),
        queryset=get_user_model().objects.filter(is_active=True, support_levels__isnull=False).distinct(),
        required=False,
        empty_label=_("All agents"),
    )

    def __init__(self, *args, today: date, personal: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        if personal:
            del self.fields["agent"]
        else:
            self.fields["agent"].queryset = self.fields["agent"].queryset.order_by("first_name", "username")

    def clean(self) -> dict:
        data = super().clean()
        preset = data.get("preset") or ""
        start, end = data.get("start"), data.get("end")
        if preset != "custom" and not (start or end):
            start, end = preset_range(preset or "30d", self.today)
            data["preset"] = preset or "30d"
        else:
            if start is None and "start" not in self.errors:
                self.add_error("start", _("Give the first day of the period."))
            if end is None and "end" not in self.errors:
                self.add_error("end", _("Give the last day of the period."))
            if start and end and end < start:
                self.add_error("end", _("The period must end on or after its first day."))
            elif start and end and (end - start).days + 1 > MAX_RANGE_DAYS:
                self.add_error("end", _("A period is at most %(days)s days long.") % {"days": MAX_RANGE_DAYS})
            data["preset"] = "custom"
        data["start"], data["end"] = start, end
        return data

    def filters(self, *, time_zone: str, agent_id: int | None = None) -> ReportFilters:
        data = self.cleaned_data
        agent = data.get("agent")
        return ReportFilters(
            start=data["start"],
            end=data["end"],
            time_zone=time_zone,
            level=data.get("level"),
            category_id=data["category"].pk if data.get("category") else None,
            agent_id=agent_id if agent_id is not None else (agent.pk if agent else None),
        )


class MonthForm(forms.Form):
    month = forms.DateField(
        label=_("Month"),
        input_formats=["%Y-%m"],
        required=False,
        validators=[month_within_bounds],
        widget=forms.DateInput(
            attrs={"type": "month", "min": FIRST_DAY.strftime("%Y-%m"), "max": LAST_DAY.strftime("%Y-%m")}
        ),
    )

    def __init__(self, *args, today: date, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_month(self) -> date:
        month = self.cleaned_data.get("month") or self.today.replace(day=1)
        if month > self.today:
            raise forms.ValidationError(_("Choose a month that has begun."))
        return month

    def range(self) -> tuple[date, date]:
        return month_range(self.cleaned_data["month"])
