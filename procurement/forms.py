from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Layout, Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from assets.choices import TAG_MAX_LENGTH, AssetType
from vendors.models import Vendor

from .choices import REASON_MAX_LENGTH, TEXT_MAX_LENGTH, Decision, ProcurementStatus, Recommendation

# Rows of items the new-request form offers; an empty row is ignored.
ITEM_ROWS = 5
AMOUNT = {"min_value": 0, "max_digits": 14, "decimal_places": 2}


def _helper(action: str, label, *fields, css: str = "btn-primary", button_id: str) -> FormHelper:
    """The form's layout and its one button, whose id is unique on a page of several forms."""
    helper = FormHelper()
    helper.form_action = action
    helper.layout = Layout(*fields, Submit("submit", label, css_class=css, css_id=button_id))
    return helper


def _reason(label, required: bool) -> forms.CharField:
    return forms.CharField(
        label=label, required=required, max_length=REASON_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 2})
    )


class ComponentReportForm(forms.Form):
    """An agent's finding on an asset of the ticket: fault, repair or replace, cost."""

    asset_tag = forms.CharField(label=_("Asset tag"), max_length=TAG_MAX_LENGTH)
    fault = forms.CharField(label=_("Fault"), max_length=TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3}))
    recommendation = forms.ChoiceField(label=_("Recommendation"), choices=Recommendation.choices)
    estimated_cost = forms.DecimalField(label=_("Estimated cost"), **AMOUNT)

    def __init__(self, *args, action: str = "", currency: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if currency:
            self.fields["estimated_cost"].label = _("Estimated cost (%(currency)s)") % {"currency": currency}
        self.helper = _helper(
            action,
            _("File the report"),
            "asset_tag",
            "fault",
            "recommendation",
            "estimated_cost",
            button_id="component-report-submit",
        )
        self.helper.form_id = "component-report-form"


class ReportDecisionForm(forms.Form):
    """A supervisor's decision on a component report."""

    decision = forms.ChoiceField(label=_("Decision"), choices=Decision.choices)
    reason = _reason(_("Reason (needed to reject)"), required=False)

    def __init__(self, *args, action: str = "", button_id: str = "decide-submit", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper(action, _("Decide"), "decision", "reason", button_id=button_id)


class ProcurementForm(forms.Form):
    """A new procurement request: up to ITEM_ROWS items, why, for which tickets and assets."""

    reason = forms.CharField(label=_("Reason"), max_length=TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3}))
    budget_line = forms.CharField(label=_("Budget line"), max_length=120, required=False)
    tickets = forms.CharField(
        label=_("Tickets"), max_length=500, required=False, help_text=_("References, separated by commas: HD-000123.")
    )
    assets = forms.CharField(
        label=_("Assets"), max_length=1000, required=False, help_text=_("Asset tags, separated by commas.")
    )
    draft = forms.BooleanField(label=_("Keep as a draft (do not ask for approval yet)"), required=False)

    def __init__(self, *args, action: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        rows = []
        for n in range(1, ITEM_ROWS + 1):
            self.fields[f"item_{n}_description"] = forms.CharField(
                label=_("Item %(n)s") % {"n": n}, max_length=300, required=False
            )
            self.fields[f"item_{n}_quantity"] = forms.IntegerField(
                label=_("Quantity"), min_value=1, max_value=100000, required=False
            )
            self.fields[f"item_{n}_unit_cost"] = forms.DecimalField(
                label=_("Estimated unit cost"), required=False, **AMOUNT
            )
            self.fields[f"item_{n}_replaces"] = forms.CharField(
                label=_("Replaces asset (tag)"), max_length=TAG_MAX_LENGTH, required=False
            )
            rows.append(
                Div(
                    Div(Field(f"item_{n}_description"), css_class="col-md-5"),
                    Div(Field(f"item_{n}_quantity"), css_class="col-md-2"),
                    Div(Field(f"item_{n}_unit_cost"), css_class="col-md-2"),
                    Div(Field(f"item_{n}_replaces"), css_class="col-md-3"),
                    css_class="row g-2",
                )
            )
        self.helper = _helper(
            action,
            _("Save the request"),
            *rows,
            "reason",
            "budget_line",
            "tickets",
            "assets",
            "draft",
            button_id="procurement-submit",
        )
        self.helper.form_id = "procurement-form"

    def clean(self):
        data = super().clean()
        items = []
        for n in range(1, ITEM_ROWS + 1):
            description = (data.get(f"item_{n}_description") or "").strip()
            quantity, cost = data.get(f"item_{n}_quantity"), data.get(f"item_{n}_unit_cost")
            if not description:
                if quantity is not None or cost is not None:
                    self.add_error(f"item_{n}_description", _("Describe the item."))
                continue
            if quantity is None:
                self.add_error(f"item_{n}_quantity", _("Enter the quantity."))
            if cost is None:
                self.add_error(f"item_{n}_unit_cost", _("Enter the estimated unit cost."))
            items.append(
                {
                    "description": description,
                    "quantity": quantity,
                    "unit_cost": cost,
                    "replaces_asset_tag": data.get(f"item_{n}_replaces") or "",
                }
            )
        if not items and not self.errors:
            self.add_error("item_1_description", _("Add at least one item."))
        data["items"] = items
        return data

    @staticmethod
    def split(value: str) -> list[str]:
        return [part.strip() for part in (value or "").split(",") if part.strip()]


class ApproveForm(forms.Form):
    reason = _reason(_("Comment (optional)"), required=False)

    def __init__(self, *args, action: str = "", label=None, **kwargs) -> None:
        kwargs.setdefault("auto_id", "id_approve_%s")
        super().__init__(*args, **kwargs)
        self.helper = _helper(action, label or _("Approve"), "reason", css="btn-success", button_id="approve-submit")
        self.helper.form_id = "approve-form"


class ReasonForm(forms.Form):
    """A step that needs its reason: rejecting, cancelling."""

    reason = _reason(_("Reason"), required=True)

    def __init__(self, *args, action: str = "", label=None, form_id: str = "", **kwargs) -> None:
        kwargs.setdefault("auto_id", f"id_{form_id.replace('-', '_')}_%s" if form_id else "id_%s")
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            action, label or _("Reject"), "reason", css="btn-outline-danger", button_id=f"{form_id or 'reason'}-submit"
        )
        self.helper.form_id = form_id


class OrderForm(forms.Form):
    supplier = forms.ModelChoiceField(label=_("Supplier"), queryset=Vendor.objects.filter(is_active=True))
    order_reference = forms.CharField(label=_("Order reference"), max_length=120)
    expected_on = forms.DateField(label=_("Expected on"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, action: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            action, _("Record the order"), "supplier", "order_reference", "expected_on", button_id="order-submit"
        )
        self.helper.form_id = "order-form"


class ReceiveForm(forms.Form):
    """The receipt: per item, the asset it becomes (tag, type, serial number)."""

    resolve_tickets = forms.BooleanField(label=_("Resolve the linked tickets"), required=False)
    resolution = forms.CharField(
        label=_("Resolution the requester reads"),
        max_length=TEXT_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, action: str = "", items=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.items = list(items)
        rows = []
        for item in self.items:
            self.fields[f"item_{item.pk}_tag"] = forms.CharField(
                label=_("New asset tag for “%(item)s”") % {"item": item.description},
                max_length=TAG_MAX_LENGTH,
                required=bool(item.replaces_asset_id),
            )
            self.fields[f"item_{item.pk}_type"] = forms.ChoiceField(
                label=_("Type"),
                choices=[("", "—"), *AssetType.choices],
                required=False,
                initial=item.replaces_asset.asset_type if item.replaces_asset_id else "",
            )
            self.fields[f"item_{item.pk}_serial"] = forms.CharField(
                label=_("Serial number"), max_length=120, required=False
            )
            rows.append(
                Div(
                    Div(Field(f"item_{item.pk}_tag"), css_class="col-md-5"),
                    Div(Field(f"item_{item.pk}_type"), css_class="col-md-3"),
                    Div(Field(f"item_{item.pk}_serial"), css_class="col-md-4"),
                    css_class="row g-2",
                )
            )
        self.helper = _helper(
            action, _("Record the receipt"), *rows, "resolve_tickets", "resolution", button_id="receive-submit"
        )
        self.helper.form_id = "receive-form"

    def receipts(self) -> dict[int, dict]:
        data = self.cleaned_data
        return {
            item.pk: {
                "tag": data.get(f"item_{item.pk}_tag", ""),
                "asset_type": data.get(f"item_{item.pk}_type", ""),
                "serial_number": data.get(f"item_{item.pk}_serial", ""),
            }
            for item in self.items
        }


class ProcurementFilterForm(forms.Form):
    """The list's filters, read from the query string."""

    status = forms.ChoiceField(label=_("Status"), required=False)
    requested_by = forms.IntegerField(label=_("Requested by"), required=False, min_value=1, widget=forms.Select)
    supplier = forms.ModelChoiceField(
        label=_("Supplier"), queryset=Vendor.objects.all(), required=False, empty_label=_("All")
    )
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, people=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("Any")), *ProcurementStatus.choices]
        self.fields["requested_by"].widget.choices = [("", _("Anyone")), *people]
