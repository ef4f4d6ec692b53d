from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Fieldset, Layout, Submit
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from vendors.models import Vendor

from .choices import TAG_MAX_LENGTH, AssetClass, AssetStatus, AssetType
from .exceptions import AssetError
from .models import Asset
from .rules import ip_clean, mac_clean, tag_clean
from .selectors import ASSET_SORTS, asset_by_tag, assets_of

MAX_NOTES = 5000
ALL = [("", _("All"))]


def _person(text: str):
    """The active person with this user name or email (whatever its case), or None."""
    text = (text or "").strip()
    if not text:
        return None
    return (
        get_user_model()
        .objects.filter(Q(username__iexact=text) | Q(email__iexact=text), is_active=True)
        .order_by("pk")
        .first()
    )


class AssetForm(forms.ModelForm):
    """A new asset or a change to one. The rules between fields and the tag's uniqueness
    are the service's (assets.services.records); this form reads what was typed."""

    user_text = forms.CharField(
        label=_("Used by"),
        required=False,
        max_length=254,
        help_text=_("User name or email of the person who has it."),
    )
    parent_tag = forms.CharField(
        label=_("Part of"),
        required=False,
        max_length=TAG_MAX_LENGTH,
        help_text=_("Tag of the host of a virtual machine, or the server of a disk."),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=MAX_NOTES, widget=forms.Textarea(attrs={"rows": 3})
    )

    class Meta:
        model = Asset
        fields = (
            "tag",
            "asset_type",
            "status",
            "name",
            "manufacturer",
            "model",
            "serial_number",
            "host_name",
            "ip_address",
            "mac_address",
            "location",
            "vendor",
            "purchase_date",
            "purchase_cost",
            "warranty_ends_on",
            "seats_owned",
            "seats_used",
            "licence_expires_on",
            "notes",
        )
        widgets = {
            "purchase_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "warranty_ends_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "licence_expires_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["vendor"].queryset = Vendor.objects.filter(is_active=True).order_by("name")
        # The IP address is read by assets.rules (IPv4 or IPv6, with a clear message).
        self.fields["ip_address"] = forms.CharField(label=_("IP address"), required=False, max_length=64)
        self.fields["mac_address"].max_length = 64
        self.fields["mac_address"].widget.attrs["maxlength"] = 64
        self.fields["mac_address"].help_text = _("Any of aa:bb:cc:dd:ee:ff, AA-BB-CC-DD-EE-FF, aabb.ccdd.eeff.")
        if self.instance.pk:
            self.fields["user_text"].initial = self.instance.user.username if self.instance.user_id else ""
            self.fields["parent_tag"].initial = self.instance.parent.tag if self.instance.parent_id else ""
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Div(
                Div("tag", css_class="col-md-4"),
                Div("asset_type", css_class="col-md-4"),
                Div("status", css_class="col-md-4"),
                css_class="row",
            ),
            Div(
                Div("name", css_class="col-md-6"),
                Div("user_text", css_class="col-md-6"),
                css_class="row",
            ),
            Div(
                Div("manufacturer", css_class="col-md-4"),
                Div("model", css_class="col-md-4"),
                Div("serial_number", css_class="col-md-4"),
                css_class="row",
            ),
            Div(
                Div("host_name", css_class="col-md-4"),
                Div("ip_address", css_class="col-md-4"),
                Div("mac_address", css_class="col-md-4"),
                css_class="row",
            ),
            Div(
                Div("location", css_class="col-md-6"),
                Div("parent_tag", css_class="col-md-6"),
                css_class="row",
            ),
            Fieldset(
                _("Purchase and warranty"),
                Div(
                    Div("vendor", css_class="col-md-3"),
                    Div("purchase_date", css_class="col-md-3"),
                    Div("purchase_cost", css_class="col-md-3"),
                    Div("warranty_ends_on", css_class="col-md-3"),
                    css_class="row",
                ),
            ),
            Fieldset(
                _("Software licence"),
                Div(
                    Div("seats_owned", css_class="col-md-4"),
                    Div("seats_used", css_class="col-md-4"),
                    Div("licence_expires_on", css_class="col-md-4"),
                    css_class="row",
                ),
                css_class="licence-fields",
            ),
            Field("notes"),
            Submit("submit", _("Save asset")),
        )

    def clean_tag(self) -> str:
        return self._rule(tag_clean, self.cleaned_data.get("tag", ""))

    def clean_mac_address(self) -> str:
        return self._rule(mac_clean, self.cleaned_data.get("mac_address", ""))

    def clean_ip_address(self):
        return self._rule(ip_clean, self.cleaned_data.get("ip_address", ""))

    def clean_user_text(self):
        text = self.cleaned_data.get("user_text", "")
        person = _person(text)
        if text.strip() and person is None:
            raise forms.ValidationError(
                _("No active person has the user name or email “%(value)s”.") % {"value": text[:60]}
            )
        return person

    def clean_parent_tag(self):
        tag = " ".join((self.cleaned_data.get("parent_tag") or "").split())
        if not tag:
            return None
        parent = asset_by_tag(tag)
        if parent is None:
            raise forms.ValidationError(_("No asset has the tag “%(tag)s”.") % {"tag": tag[:64]})
        return parent

    @staticmethod
    def _rule(rule, value):
        try:
            return rule(value)
        except AssetError as exc:
            raise forms.ValidationError(exc.message) from None

    def values(self) -> dict:
        """What the service writes: the model fields, the person and the parent found."""
        data = {name: self.cleaned_data.get(name) for name in self.Meta.fields}
        data["user"] = self.cleaned_data.get("user_text")
        data["parent"] = self.cleaned_data.get("parent_tag")
        data["notes"] = data.get("notes") or ""
        return data

    def _post_clean(self) -> None:
        # The service validates and saves; the model's own full_clean would report the
        # same rules twice (and the ip field is read by assets.rules).
        pass


class AssetFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=200, required=False)
    asset_type = forms.ChoiceField(label=_("Type"), choices=ALL + list(AssetType.choices), required=False)
    asset_class = forms.ChoiceField(label=_("Class"), choices=ALL + list(AssetClass.choices), required=False)
    status = forms.ChoiceField(label=_("Status"), choices=ALL + list(AssetStatus.choices), required=False)
    used_by = forms.CharField(label=_("Used by"), max_length=150, required=False)
    location = forms.CharField(label=_("Location"), max_length=200, required=False)
    vendor = forms.ModelChoiceField(
        label=_("Vendor"), queryset=Vendor.objects.order_by("name"), required=False, empty_label=_("All")
    )
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("tag", _("Tag")),
            ("-tag", _("Tag, Z to A")),
            ("name", _("Name")),
            ("type", _("Type")),
            ("status", _("Status")),
            ("user", _("Used by")),
            ("location", _("Location")),
            ("warranty", _("Warranty ends")),
            ("-updated", _("Recently changed")),
        ],
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = (
                "form-select form-select-sm" if isinstance(field, forms.ChoiceField) else "form-control form-control-sm"
            )
            field.widget.attrs["class"] = css

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        return {key: value for key, value in self.cleaned_data.items() if key != "sort" and value not in (None, "")}

    def sort_key(self) -> str:
        if not self.is_valid():
            return "tag"
        value = self.cleaned_data.get("sort") or "tag"
        return value if value in ASSET_SORTS else "tag"


class TicketAssetAddForm(forms.Form):
    tag = forms.CharField(label=_("Asset tag"), max_length=200)

    def __init__(self, *args, ticket=None, **kwargs) -> None:
        kwargs.setdefault("auto_id", "id_device_%s")
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_id = "form-asset-add"
        if ticket is not None:
            self.helper.form_action = reverse("assets:ticket-add", kwargs={"reference": ticket.reference})
        self.helper.add_input(Submit("submit", _("Add device")))


class TicketAssetRemoveForm(forms.Form):
    tag = forms.CharField(max_length=200, widget=forms.HiddenInput)


class AssetImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV or XLSX file"),
        help_text=_("The first row names the columns, as the export writes them (English or Indonesian)."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.attrs = {"enctype": "multipart/form-data"}
        self.helper.add_input(Submit("submit", _("Upload and preview")))


class ImportConfirmForm(forms.Form):
    """Posting it asks for the previewed import to be applied (it has no fields)."""


def device_field(user) -> dict:
    """The new-ticket form's “Which device?” (tickets.extensions): the person's own devices."""
    return {
        "asset": forms.ModelChoiceField(
            label=_("Which device?"),
            queryset=assets_of(user=user),
            required=False,
            empty_label=_("Not about one of my devices"),
            help_text=_("Optional: the device the problem is on."),
        )
    }
