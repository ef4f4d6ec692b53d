from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Fieldset, Layout, Submit
from django import forms
from django.conf import settings
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from accounts.choices import Level
from assets.choices import AssetStatus, AssetType
from assets.models import Asset
from tickets.models import Category
from tickets.text import multi_line, single_line

from .choices import CUSTOM, NAME_MAX_LENGTH, PRESETS, RULE_MAX_LENGTH
from .recurrence import RecurrenceError, rule_normalised, rule_parse
from .services import PlanFields

PRESET_RULES = {key: rule for key, _label, rule in PRESETS}
CHECKLIST_HELP = _(
    "One step per line, in the order they are done. The ticket is resolved once each is done or skipped."
)


def preset_for(rule: str) -> str:
    """The preset a stored rule is, else "custom"."""
    value = rule_normalised(rule)
    return next((key for key, known in PRESET_RULES.items() if known == value), CUSTOM)


class PlanForm(forms.Form):
    """A maintenance plan: what, on which asset or type, how often (a preset or a raw
    RRULE), from when, at which level, with which checklist."""

    name = forms.CharField(label=_("Name"), max_length=NAME_MAX_LENGTH)
    description = forms.CharField(
        label=_("Instructions"), required=False, max_length=20000, widget=forms.Textarea(attrs={"rows": 3})
    )
    asset_tag = forms.CharField(
        label=_("One asset (its tag)"), required=False, max_length=64, help_text=_("Or choose a type below.")
    )
    asset_type = forms.ChoiceField(
        label=_("Every asset of a type"),
        required=False,
        choices=[("", "—"), *AssetType.choices],
        help_text=_("Every asset of the type that is not retired, each with a ticket of its own."),
    )
    preset = forms.ChoiceField(
        label=_("How often"),
        choices=[*((key, label) for key, label, _rule in PRESETS), (CUSTOM, _("Custom rule (RRULE)"))],
        initial="first_monday",
    )
    rrule = forms.CharField(
        label=_("Custom rule"),
        required=False,
        max_length=RULE_MAX_LENGTH,
        help_text=_(
            "An RFC 5545 RRULE, e.g. FREQ=MONTHLY;BYDAY=1MO (every first Monday), FREQ=MONTHLY;INTERVAL=3 "
            "(every 3 months), FREQ=WEEKLY;BYDAY=FR (every Friday). At most hourly."
        ),
    )
    start_date = forms.DateField(label=_("First occurrence on"), widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(label=_("at"), initial=time(9, 0), widget=forms.TimeInput(attrs={"type": "time"}))
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=settings.HELPDESK_TIME_ZONES)
    level = forms.TypedChoiceField(label=_("Done by"), choices=Level.choices, coerce=int, initial=Level.I)
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.filter(is_active=True), required=False, empty_label="—"
    )
    lead_days = forms.IntegerField(label=_("Open the ticket … days ahead"), min_value=0, max_value=365, initial=1)
    lead_hours = forms.IntegerField(label=_("… and hours"), min_value=0, max_value=23, initial=0)
    checklist = forms.CharField(
        label=_("Checklist"),
        required=False,
        max_length=50000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=CHECKLIST_HELP,
    )

    def __init__(self, *args, preview_url: str = "", submit_label=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].initial = settings.TIME_ZONE
        self.asset: Asset | None = None
        self.helper = FormHelper()
        self.helper.form_id = "plan-form"
        preview = {
            "hx-get": preview_url,
            "hx-trigger": "change, input delay:400ms from:#id_rrule",
            "hx-target": "#plan-preview",
            "hx-include": "#plan-form",
        }
        self.helper.attrs = preview if preview_url else {}
        self.helper.layout = Layout(
            "name",
            "description",
            Fieldset(
                _("Which assets"),
                Div(Div("asset_tag", css_class="col-md-6"), Div("asset_type", css_class="col-md-6"), css_class="row"),
            ),
            Fieldset(
                _("When"),
                Div(Div("preset", css_class="col-md-6"), Div("rrule", css_class="col-md-6"), css_class="row"),
                Div(
                    Div("start_date", css_class="col-md-4"),
                    Div("start_time", css_class="col-md-3"),
                    Div("time_zone", css_class="col-md-5"),
                    css_class="row",
                ),
                HTML('<div id="plan-preview" aria-live="polite">{% include "maintenance/_preview.html" %}</div>'),
            ),
            Fieldset(
                _("The ticket"),
                Div(Div("level", css_class="col-md-6"), Div("category", css_class="col-md-6"), css_class="row"),
                Div(Div("lead_days", css_class="col-md-6"), Div("lead_hours", css_class="col-md-6"), css_class="row"),
                "checklist",
            ),
            Submit("save", submit_label or _("Save")),
        )

    def clean_name(self) -> str:
        name = single_line(self.cleaned_data["name"])
        if not name:
            raise forms.ValidationError(_("Give the plan a name."), code="required")
        return name

    def clean_asset_tag(self) -> str:
        tag = single_line(self.cleaned_data["asset_tag"])
        if tag:
            self.asset = (
                Asset.objects.exclude(status=AssetStatus.RETIRED).filter(tag__iexact=tag).order_by(Lower("tag")).first()
            )
            if self.asset is None:
                raise forms.ValidationError(
                    _("No asset in use has the tag “%(tag)s”.") % {"tag": tag[:64]}, code="unknown"
                )
        return tag

    def clean_rrule(self) -> str:
        return rule_normalised(self.cleaned_data["rrule"])

    def clean_checklist(self) -> list[str]:
        return [single_line(line) for line in multi_line(self.cleaned_data["checklist"]).split("\n") if line.strip()]

    def rule(self) -> str:
        preset = self.cleaned_data.get("preset")
        return self.cleaned_data.get("rrule", "") if preset == CUSTOM else PRESET_RULES.get(preset or "", "")

    def dtstart(self) -> datetime | None:
        day, at, zone = (self.cleaned_data.get(name) for name in ("start_date", "start_time", "time_zone"))
        if day is None or at is None or not zone:
            return None
        try:
            return datetime.combine(day, at, tzinfo=ZoneInfo(zone))
        except (ValueError, OverflowError):
            return None

    def clean(self):
        data = super().clean()
        if bool(data.get("asset_tag")) == bool(data.get("asset_type")) and "asset_tag" not in self.errors:
            self.add_error(
                None,
                forms.ValidationError(
                    _("Choose either one asset (its tag) or an asset type, not both and not neither."), code="target"
                ),
            )
        if data.get("preset") == CUSTOM and not data.get("rrule") and "rrule" not in self.errors:
            self.add_error("rrule", _("Write the rule, or choose how often from the list."))
        start = self.dtstart()
        if start is not None and not (2000 <= start.year <= 2100):
            self.add_error("start_date", _("Choose a date between 2000 and 2100."))
        elif start is not None and self.rule():
            try:
                rule_parse(self.rule(), dtstart=start, time_zone=data["time_zone"])
            except RecurrenceError as exc:
                self.add_error("rrule" if data.get("preset") == CUSTOM else "preset", exc.message)
        return data

    def plan_fields(self) -> PlanFields:
        data = self.cleaned_data
        start = self.dtstart()
        assert start is not None
        return PlanFields(
            name=data["name"],
            description=data["description"],
            asset=self.asset,
            asset_type=data["asset_type"] if self.asset is None else "",
            rrule=self.rule(),
            dtstart=start,
            time_zone=data["time_zone"],
            level=data["level"],
            category=data["category"],
            lead_time=timedelta(days=data["lead_days"], hours=data["lead_hours"]),
            checklist=tuple(data["checklist"]),
        )

    @classmethod
    def initial_for(cls, plan) -> dict:
        local = plan.dtstart.astimezone(ZoneInfo(plan.time_zone))
        preset = preset_for(plan.rrule)
        return {
            "name": plan.name,
            "description": plan.description,
            "asset_tag": plan.asset.tag if plan.asset else "",
            "asset_type": plan.asset_type,
            "preset": preset,
            "rrule": plan.rrule if preset == CUSTOM else "",
            "start_date": local.date(),
            "start_time": local.time().replace(tzinfo=None),
            "time_zone": plan.time_zone,
            "level": plan.level,
            "category": plan.category_id,
            "lead_days": plan.lead_time.days,
            "lead_hours": plan.lead_time.seconds // 3600,
            "checklist": "\n".join(plan.checklist or []),
        }


class PlanActiveForm(forms.Form):
    """Deactivate a plan (it opens no more tickets) or activate it again."""

    active = forms.BooleanField(label=_("Active"), required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
