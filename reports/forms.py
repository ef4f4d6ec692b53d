from datetime import date, timedelta

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from accounts.choices import Level
from tickets.models import Category

from .selectors import MAX_RANGE_DAYS, ReportFilters, month_range

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
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
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
        label=_("Month"), input_formats=["%Y-%m"], required=False, widget=forms.DateInput(attrs={"type": "month"})
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
