from django.db import models
from django.utils.translation import gettext_lazy as _


class AssetClass(models.TextChoices):
    HARDWARE = "hardware", _("Hardware")
    SOFTWARE = "software", _("Software licence")
    NETWORK = "network", _("Network device")


class AssetType(models.TextChoices):
    PC = "pc", _("PC")
    LAPTOP = "laptop", _("Laptop")
    PRINTER = "printer", _("Printer")
    SERVER = "server", _("Server")
    VIRTUAL_MACHINE = "vm", _("Virtual machine")
    DISK = "disk", _("Disk")
    MONITOR = "monitor", _("Monitor")
    PHONE = "phone", _("Phone")
    OTHER_HARDWARE = "hardware", _("Other hardware")
    MODEM = "modem", _("Modem")
    ACCESS_POINT = "access_point", _("Access point")
    SWITCH = "switch", _("Switch")
    ROUTER = "router", _("Router")
    FIREWALL = "firewall", _("Firewall")
    OTHER_NETWORK = "network", _("Other network device")
    LICENCE = "licence", _("Software licence")


# The class each type belongs to: what the asset list groups by and which fields apply.
ASSET_CLASS_OF: dict[str, str] = {
    **{
        kind: AssetClass.HARDWARE
        for kind in (
            AssetType.PC,
            AssetType.LAPTOP,
            AssetType.PRINTER,
            AssetType.SERVER,
            AssetType.VIRTUAL_MACHINE,
            AssetType.DISK,
            AssetType.MONITOR,
            AssetType.PHONE,
            AssetType.OTHER_HARDWARE,
        )
    },
    **{
        kind: AssetClass.NETWORK
        for kind in (
            AssetType.MODEM,
            AssetType.ACCESS_POINT,
            AssetType.SWITCH,
            AssetType.ROUTER,
            AssetType.FIREWALL,
            AssetType.OTHER_NETWORK,
        )
    },
    AssetType.LICENCE: AssetClass.SOFTWARE,
}


class AssetStatus(models.TextChoices):
    IN_USE = "in_use", _("In use")
    IN_STOCK = "in_stock", _("In stock")
    IN_REPAIR = "in_repair", _("In repair")
    RETIRED = "retired", _("Retired")


TAG_MAX_LENGTH = 64


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Waiting to be read")
    PARSING = "parsing", _("Reading the file")
    PREVIEWED = "previewed", _("Preview ready")
    CONFIRMED = "confirmed", _("Confirmed, waiting to be applied")
    APPLYING = "applying", _("Being applied")
    APPLIED = "applied", _("Applied")
    FAILED = "failed", _("Could not be read")


class ImportAction(models.TextChoices):
    CREATE = "create", _("Create")
    UPDATE = "update", _("Update")
    UNCHANGED = "unchanged", _("Unchanged")
    ERROR = "error", _("Error")


class ExpiryKind(models.TextChoices):
    WARRANTY = "warranty", _("Warranty")
    LICENCE = "licence", _("Licence")
