from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Layout, Submit
from django import forms
from django.forms.models import ModelChoiceIterator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sla.models import Calendar
from tickets.forms import TextField
from tickets.text import single_line

from .models import Vendor, VendorContact, VendorContract

MESSAGE_MAX = 20_000


class LineField(forms.CharField):
    """One line of text, cleaned of control characters and line breaks as the services clean it."""

    def to_python(self, value):
        return single_line(super().to_python(value))


SAVE = _("Save")


def _helper(*layout, action: str = "", submit=SAVE) -> FormHelper:
    helper = FormHelper()
    if action:
        helper.form_action = action
    helper.layout = Layout(*layout, Submit("save", submit))
    return helper


class VendorForm(forms.Form):
    """A vendor's record."""

    name = LineField(label=_("Name"), max_length=200)
    website = forms.URLField(label=_("Website"), max_length=500, required=False, assume_scheme="https")
    email = forms.EmailField(label=_("Support email"), max_length=254, required=False)
    phone = LineField(label=_("Support phone"), max_length=32, required=False)
    notes = TextField(label=_("Notes"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    is_active = forms.BooleanField(label=_("Active (offered for escalations)"), required=False, initial=True)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Div(Div("name", css_class="col-md-6"), Div("website", css_class="col-md-6"), css_class="row"),
            Div(Div("email", css_class="col-md-6"), Div("phone", css_class="col-md-6"), css_class="row"),
            "notes",
            "is_active",
        )

    @staticmethod
    def initial_for(vendor: Vendor) -> dict:
        return {name: getattr(vendor, name) for name in ("name", "website", "email", "phone", "notes", "is_active")}


class ContactForm(forms.Form):
    """A person at a vendor."""

    contact_id = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)
    name = LineField(label=_("Name"), max_length=200)
    role = LineField(label=_("Role"), max_length=120, required=False)
    email = forms.EmailField(label=_("Email"), max_length=254, required=False)
    phone = LineField(label=_("Phone"), max_length=32, required=False)
    is_primary = forms.BooleanField(label=_("Primary contact (escalations go to them)"), required=False)

    def __init__(self, *args, action: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            "contact_id",
            Div(Div("name", css_class="col-md-6"), Div("role", css_class="col-md-6"), css_class="row"),
            Div(Div("email", css_class="col-md-6"), Div("phone", css_class="col-md-6"), css_class="row"),
            "is_primary",
            action=action,
            submit=_("Save contact"),
        )

    @staticmethod
    def initial_for(contact: VendorContact) -> dict:
        return {
            "contact_id": contact.pk,
            **{name: getattr(contact, name) for name in ("name", "role", "email", "phone", "is_primary")},
        }


class _ReadOnceChoices(ModelChoiceIterator):
    """The choices of a model choice field from rows the caller already read (a page with
    many forms reads them once), else from its queryset."""

    def __iter__(self):
        rows = getattr(self.field, "rows_read", None)
        if rows is None:
            yield from super().__iter__()
            return
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for row in rows:
            yield self.choice(row)

    def __len__(self):
        rows = getattr(self.field, "rows_read", None)
        return super().__len__() if rows is None else len(rows) + (self.field.empty_label is not None)


class CalendarField(forms.ModelChoiceField):
    iterator = _ReadOnceChoices


class ContractForm(forms.Form):
    """A vendor's contract and the targets the vendor's clock runs against."""

    contract_id = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)
    reference = LineField(label=_("Contract reference"), max_length=120)
    description = TextField(
        label=_("What it covers"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    starts_on = forms.DateField(label=_("Starts on"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("Ends on"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    response_minutes = forms.IntegerField(label=_("Response within (minutes)"), min_value=1, max_value=525_600)
    resolution_minutes = forms.IntegerField(label=_("Resolution within (minutes)"), min_value=1, max_value=5_256_000)
    business_hours_only = forms.BooleanField(label=_("Business hours only"), required=False)
    calendar = CalendarField(
        label=_("Business calendar"),
        queryset=Calendar.objects.order_by("name"),
        required=False,
        empty_label=_("The calendar of the ticket's SLA policy"),
    )

    def __init__(self, *args, action: str = "", calendars: list[Calendar] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The calendars are read once for all the contract forms of a page (handed in).
        self.fields["calendar"].rows_read = calendars
        self.helper = _helper(
            "contract_id",
            Div(
                Div("reference", css_class="col-md-4"),
                Div("starts_on", css_class="col-md-4"),
                Div("ends_on", css_class="col-md-4"),
                css_class="row",
            ),
            "description",
            Div(
                Div("response_minutes", css_class="col-md-6"),
                Div("resolution_minutes", css_class="col-md-6"),
                css_class="row",
            ),
            Div(
                Div("business_hours_only", css_class="col-md-6"), Div("calendar", css_class="col-md-6"), css_class="row"
            ),
            action=action,
            submit=_("Save contract"),
        )

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", _("A contract cannot end before it starts."))
        response, resolution = data.get("response_minutes"), data.get("resolution_minutes")
        if response and resolution and resolution < response:
            self.add_error("resolution_minutes", _("The resolution target cannot be shorter than the response target."))
        return data

    @staticmethod
    def initial_for(contract: VendorContract) -> dict:
        names = (
            "reference",
            "description",
            "starts_on",
            "ends_on",
            "response_minutes",
            "resolution_minutes",
            "business_hours_only",
            "calendar",
        )
        return {
            "contract_id": contract.pk,
            **{name: getattr(contract, name) for name in names if name != "calendar"},
            "calendar": contract.calendar_id,
        }


class VendorFilterForm(forms.Form):
    q = LineField(label=_("Search"), max_length=100, required=False)
    active = forms.ChoiceField(
        label=_("Active"),
        required=False,
        choices=[("", _("All")), ("yes", _("Active")), ("no", _("Not active"))],
    )


class VendorEscalateForm(forms.Form):
    """Take a Level III ticket to a vendor."""

    vendor = forms.ModelChoiceField(label=_("Vendor"), queryset=Vendor.objects.filter(is_active=True))
    contract = forms.ModelChoiceField(
        label=_("Contract"),
        queryset=VendorContract.objects.select_related("vendor"),
        required=False,
        empty_label=_("No contract"),
        help_text=_("A contract of that vendor in force today; the vendor's clock runs against its targets."),
    )
    contact = forms.ModelChoiceField(
        label=_("Contact"),
        queryset=VendorContact.objects.select_related("vendor"),
        required=False,
        empty_label=_("The primary contact"),
    )
    vendor_reference = LineField(label=_("Vendor's reference (if they gave one)"), max_length=120, required=False)
    message = TextField(
        label=_("Message to the vendor"), max_length=MESSAGE_MAX, widget=forms.Textarea(attrs={"rows": 5})
    )

    def __init__(self, *args, action: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contract"].queryset = (
            VendorContract.objects.in_force(on=timezone.localdate())
            .filter(vendor__is_active=True)
            .select_related("vendor")
        )
        self.fields["contact"].queryset = VendorContact.objects.filter(vendor__is_active=True).select_related("vendor")
        self.fields["contract"].label_from_instance = lambda c: f"{c.vendor} — {c.reference}"
        self.fields["contact"].label_from_instance = lambda c: f"{c.vendor} — {c.name}"
        self.helper = _helper(
            "vendor",
            "contract",
            "contact",
            "vendor_reference",
            "message",
            action=action,
            submit=_("Take it to the vendor"),
        )


class VendorReferenceForm(forms.Form):
    vendor_reference = LineField(label=_("Vendor's reference"), max_length=120)

    def __init__(self, *args, action: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper("vendor_reference", action=action, submit=_("Save the reference"))


class VendorResolutionForm(forms.Form):
    resolution = TextField(
        label=_("What the vendor did"), max_length=MESSAGE_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, action: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper("resolution", action=action, submit=_("Record the vendor's resolution"))


class VendorCloseForm(forms.Form):
    reason = TextField(label=_("Note (optional)"), max_length=2000, required=False)

    def __init__(self, *args, action: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper("reason", action=action, submit=_("Close the escalation; back to Open"))
