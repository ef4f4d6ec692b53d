import csv
import datetime
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tickets.selectors import ticket_get_for_user

from . import services
from .choices import ImportStatus
from .columns import COLUMNS, HEADERS
from .exceptions import AssetError, NotAllowedError
from .forms import (
    AssetFilterForm,
    AssetForm,
    AssetImportForm,
    ImportConfirmForm,
    TicketAssetAddForm,
    TicketAssetRemoveForm,
)
from .selectors import (
    asset_by_tag,
    asset_children,
    asset_export_rows,
    asset_get,
    asset_list,
    asset_ticket_history,
    can_see_assets,
    import_get_for_user,
    import_problems,
    import_progress_state,
    import_sample,
    ticket_assets,
    ticket_assets_editable,
)

PAGE_SIZE = 50
HISTORY_PAGE_SIZE = 20


def _staff_only(request) -> None:
    if not can_see_assets(request.user):
        raise PermissionDenied


@require_GET
def asset_index(request):
    _staff_only(request)
    form = AssetFilterForm(request.GET or None)
    filters, sort = (form.filters(), form.sort_key()) if form.is_bound else ({}, "tag")
    page = Paginator(asset_list(filters=filters, sort=sort), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "assets/asset_list.html",
        {"form": form, "page": page, "query": query.urlencode(), "sort": sort},
        status=200 if not form.is_bound or form.is_valid() else 400,
    )


@require_GET
def asset_detail(request, tag):
    _staff_only(request)
    asset = asset_get(tag=tag)
    history = Paginator(asset_ticket_history(asset=asset), HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "assets/asset_detail.html",
        {"asset": asset, "children": asset_children(asset=asset), "history": history},
    )


def _asset_form_page(request, form, *, asset=None, status=200):
    return render(request, "assets/asset_form.html", {"form": form, "asset": asset}, status=status)


def _save(request, form, *, perform, asset=None):
    if form.is_valid():
        try:
            saved = perform(form.values())
        except NotAllowedError as exc:
            raise PermissionDenied(exc.message) from None
        except AssetError as exc:
            field = exc.field if exc.field in form.fields else None
            field = {"user": "user_text", "parent": "parent_tag"}.get(exc.field or "", field)
            form.add_error(field, exc.message)
        else:
            messages.success(request, _("Asset %(tag)s saved.") % {"tag": saved.tag})
            return redirect(saved)
    return _asset_form_page(request, form, asset=asset, status=400)


@require_http_methods(["GET", "POST"])
def asset_create(request):
    _staff_only(request)
    if request.method == "POST":
        form = AssetForm(request.POST)
        return _save(request, form, perform=lambda values: services.asset_create(by=request.user, values=values))
    return _asset_form_page(request, AssetForm(initial={"asset_type": request.GET.get("type", "laptop")[:16]}))


@require_http_methods(["GET", "POST"])
def asset_edit(request, tag):
    _staff_only(request)
    asset = asset_get(tag=tag)
    if request.method == "POST":
        form = AssetForm(request.POST, instance=asset)
        return _save(
            request,
            form,
            asset=asset,
            perform=lambda values: services.asset_update(asset_id=asset.pk, by=request.user, values=values),
        )
    return _asset_form_page(request, AssetForm(instance=asset), asset=asset)


class _Echo:
    def write(self, value):
        return value


def _cell(value):
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


@require_GET
def asset_export(request):
    """The list's assets, with its filters, as CSV or XLSX, streamed as it is read."""
    _staff_only(request)
    form = AssetFilterForm(request.GET)
    rows = asset_export_rows(asset_list(filters=form.filters(), sort=form.sort_key()))
    stamp = timezone.localdate().isoformat()
    if request.GET.get("format") == "xlsx":
        return _xlsx_response(rows, f"assets-{stamp}.xlsx")
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff" + writer.writerow(HEADERS)
        for row in rows:
            yield writer.writerow([_safe(_cell(value)) for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="assets-{stamp}.csv"'
    return response


def _safe(value):
    # A cell a spreadsheet would run as a formula is written as text.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _xlsx_response(rows, filename):
    """An XLSX written with openpyxl's write-only workbook (rows streamed to a temporary
    file, never a sheet in memory), then streamed out."""
    import tempfile

    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Assets"))
    sheet.append(HEADERS)
    for row in rows:
        sheet.append([_safe(_cell(value)) for value in row])
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the response
    workbook.save(handle)
    handle.seek(0)

    def chunks():
        try:
            while chunk := handle.read(64 * 1024):
                yield chunk
        finally:
            handle.close()

    response = StreamingHttpResponse(
        chunks(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_http_methods(["GET", "POST"])
def import_upload(request):
    _staff_only(request)
    form = AssetImportForm()
    if request.method == "POST":
        form = AssetImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                created = services.asset_import_upload(by=request.user, upload=form.cleaned_data["file"])
            except AssetError as exc:
                form.add_error("file", exc.message)
            else:
                return redirect("assets:import", pk=created.pk)
        return render(request, "assets/import_upload.html", {"form": form, "columns": COLUMNS}, status=400)
    return render(request, "assets/import_upload.html", {"form": form, "columns": COLUMNS})


def _import_context(request, asset_import) -> dict:
    return {
        "imp": asset_import,
        **import_progress_state(asset_import=asset_import),
        "problems": import_problems(asset_import=asset_import) if asset_import.status != ImportStatus.PARSING else [],
        "sample": import_sample(asset_import=asset_import) if asset_import.status == ImportStatus.PREVIEWED else [],
        "confirm": ImportConfirmForm(),
    }


@require_GET
def import_detail(request, pk):
    asset_import = import_get_for_user(user=request.user, pk=pk)
    return render(request, "assets/import_detail.html", _import_context(request, asset_import))


@require_GET
def import_progress(request, pk):
    """The HTMX partial the preview page polls while the worker reads or applies."""
    asset_import = import_get_for_user(user=request.user, pk=pk)
    context = _import_context(request, asset_import)
    response = render(request, "assets/_import_progress.html", context)
    if not context["running"]:
        # Finished: the whole page reloads to show the preview or the outcome.
        response["HX-Refresh"] = "true"
    return response


@require_POST
def import_confirm(request, pk):
    asset_import = import_get_for_user(user=request.user, pk=pk)
    try:
        services.asset_import_confirm(import_id=asset_import.pk, by=request.user)
    except AssetError as exc:
        messages.error(request, exc.message)
        return render(request, "assets/import_detail.html", _import_context(request, asset_import), status=409)
    messages.success(request, _("Import confirmed: the assets are being written."))
    return redirect("assets:import", pk=asset_import.pk)


# -- on the ticket page ------------------------------------------------------------------


def _panel(request, ticket, *, form=None, status=200):
    editable = ticket_assets_editable(ticket=ticket, user=request.user)
    return render(
        request,
        "assets/_ticket_panel.html",
        {
            "ticket": ticket,
            "links": ticket_assets(ticket=ticket),
            "editable": editable,
            "staff": can_see_assets(request.user),
            "form": (form or TicketAssetAddForm(ticket=ticket)) if editable else None,
        },
        status=status,
    )


@require_GET
def ticket_panel(request, reference):
    """The devices on a ticket, for its page (loaded with HTMX): staff at its level add and
    remove them; its requester reads their names."""
    ticket = ticket_get_for_user(user=request.user, reference=reference)
    return _panel(request, ticket)


def _after_change(request, ticket, message: str, *, error: bool = False):
    if request.headers.get("HX-Request"):
        if error:
            # htmx swaps only successful answers: the panel comes back with the error in it.
            form = TicketAssetAddForm(request.POST, ticket=ticket)
            form.is_valid()
            form.add_error("tag" if "tag" in form.fields else None, message)
            return _panel(request, ticket, form=form)
        return _panel(request, ticket)
    (messages.error if error else messages.success)(request, message)
    return redirect(ticket)


@require_POST
def ticket_add(request, reference):
    ticket = ticket_get_for_user(user=request.user, reference=reference)
    if not can_see_assets(request.user):
        raise PermissionDenied
    form = TicketAssetAddForm(request.POST, ticket=ticket)
    if not form.is_valid():
        return _after_change(request, ticket, _("Type the asset's tag."), error=True)
    try:
        link = services.ticket_asset_link(ticket_id=ticket.pk, tag=form.cleaned_data["tag"], by=request.user)
    except NotAllowedError as exc:
        raise PermissionDenied(exc.message) from None
    except AssetError as exc:
        return _after_change(request, ticket, exc.message, error=True)
    return _after_change(request, ticket, _("%(asset)s is on this ticket.") % {"asset": link.asset})


@require_POST
def ticket_remove(request, reference):
    ticket = ticket_get_for_user(user=request.user, reference=reference)
    if not can_see_assets(request.user):
        raise PermissionDenied
    form = TicketAssetRemoveForm(request.POST)
    if not form.is_valid():
        return _after_change(request, ticket, _("Choose a device on this ticket."), error=True)
    asset = asset_by_tag(form.cleaned_data["tag"])
    if asset is None:
        return _after_change(request, ticket, _("Choose a device on this ticket."), error=True)
    try:
        services.ticket_asset_unlink(ticket_id=ticket.pk, asset_id=asset.pk, by=request.user)
    except NotAllowedError as exc:
        raise PermissionDenied(exc.message) from None
    except AssetError as exc:
        return _after_change(request, ticket, exc.message, error=True)
    return _after_change(request, ticket, _("The device was removed from this ticket."))
