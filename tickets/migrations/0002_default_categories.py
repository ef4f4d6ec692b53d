from django.db import migrations

# name, default level, default impact, description
CATEGORIES = [
    ("Password and account", 1, "low", "Password resets, locked accounts, new accounts."),
    ("Email", 1, "low", "Mailbox, calendar and mail client problems."),
    ("Printer and scanner", 1, "low", "Printing, scanning and paper jams."),
    ("PC and laptop", 1, "low", "Desktop and laptop hardware, OS installation and first aid."),
    ("Software installation", 1, "low", "Installing or updating applications and antivirus."),
    ("Network and Wi-Fi", 2, "medium", "LAN, Wi-Fi, modem and VPN connectivity, blocked IP addresses."),
    ("Server down", 2, "high", "A server or hosted service is not answering."),
    ("Server performance", 2, "medium", "Slow servers, full disks, monitoring alerts."),
    ("Backup and restore", 2, "medium", "Restoring files or systems from backup."),
    ("Hosting and control panel", 2, "medium", "Websites, cPanel features and hosting accounts."),
    ("Critical system failure", 3, "high", "Core business systems failing; may need the vendor."),
    ("Hardware repair or replacement", 3, "medium", "Faulty components to repair or replace, with the vendor."),
    ("Procurement request", 1, "low", "Requests for new hardware or software."),
]


def create_categories(apps, schema_editor):
    Category = apps.get_model("tickets", "Category")
    for name, level, impact, description in CATEGORIES:
        Category.objects.get_or_create(
            name=name, defaults={"default_level": level, "default_impact": impact, "description": description}
        )


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_initial")]
    operations = [migrations.RunPython(create_categories, migrations.RunPython.noop)]
