from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssetsConfig(AppConfig):
    name = "assets"
    verbose_name = _("Assets")

    def ready(self) -> None:
        from tickets.extensions import NewTicketExtension, merge_listener_register, new_ticket_extension_register

        from . import tasks  # noqa: F401 - registers the tasks the services queue by name
        from .forms import device_field
        from .services import ticket_asset_link_on_filing, ticket_assets_merge

        # The requester's new-ticket form asks which of their devices it is about.
        new_ticket_extension_register(
            NewTicketExtension(name="assets", fields=device_field, on_create=ticket_asset_link_on_filing)
        )
        # A merged duplicate's devices become the ticket it was merged into.
        merge_listener_register("assets", ticket_assets_merge)
