"""Data migrations, each run on a database filled at the schema before it."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from tests.factories import make_requester
from tests.tickets.attachment_support import LONG_NAME, downloaded_name, served_safely
from tickets.models import Attachment, Category

BEFORE = [("tickets", "0010_fk_indexes_covered")]
AFTER = [("tickets", "0011_hardware_repair_at_level_one")]
HARDWARE = "Hardware repair or replacement"
SHIPPED = {
    "default_level": 3,
    "default_impact": "medium",
    "description": "Faulty components to repair or replace, with the vendor.",
}


def hardware_at_the_previous_schema(migrate, **changes):
    apps = migrate(BEFORE)
    OldCategory = apps.get_model("tickets", "Category")
    # Updated in place, never deleted: a delete would cascade through the models as they
    # stood at that migration (SLA policies still in escalation), whose tables are gone.
    OldCategory.objects.update_or_create(name=HARDWARE, defaults={**SHIPPED, **changes})
    OldCategory.objects.get_or_create(name="Server down", defaults={"default_level": 2, "default_impact": "high"})


def test_the_shipped_hardware_category_is_routed_to_level_one(migrate):
    hardware_at_the_previous_schema(migrate)
    migrate(AFTER)
    hardware = Category.objects.get(name=HARDWARE)
    assert (hardware.default_level, hardware.default_impact) == (1, "medium")
    assert "Level I collects the details first" in hardware.description
    assert Category.objects.get(name="Server down").default_level == 2
    # And back: the category is as shipped again.
    migrate(BEFORE)
    assert Category.objects.filter(name=HARDWARE, **SHIPPED).exists()


@pytest.mark.parametrize(
    "changes",
    [{"default_level": 2}, {"description": "Our own words."}, {"default_impact": "high"}],
    ids=["level", "description", "impact"],
)
def test_a_hardware_category_an_administrator_changed_is_left_as_it_is(migrate, changes):
    hardware_at_the_previous_schema(migrate, **changes)
    migrate(AFTER)
    hardware = Category.objects.get(name=HARDWARE)
    assert {field: getattr(hardware, field) for field in SHIPPED} == {**SHIPPED, **changes}


def test_a_new_ticket_about_a_broken_laptop_starts_at_level_one(reference_data):
    from tests.factories import make_requester
    from tickets.services import ticket_create

    ticket = ticket_create(
        requester=make_requester(),
        subject="Laptop screen cracked",
        description="It fell off the desk.",
        category=Category.objects.get(name=HARDWARE),
        impact="low",
        urgency="medium",
    )
    assert ticket.level == 1


# --- attachments: stored under names of their own, the given name in original_name alone

NAMES_BEFORE = [("tickets", "0012_report_covering_indexes")]
NAMES_AFTER = [("tickets", "0013_attachment_original_names")]
OLD_FOLDER = "attachments/2026/01/0123456789abcdef0123456789abcdef"
# (the name the row had, the name its file was stored under, the name it has after)
OLD_ROWS = [
    ("Ruang rapat lantai 2.txt", "Ruang_rapat_lantai_2.txt", "Ruang rapat lantai 2.txt"),
    ('it\'s "quoted" <script> & more 🔥.log', "its_quoted_script__more_.log", 'it\'s "quoted" <script> & more 🔥.log'),
    (LONG_NAME, "e.txt", LONG_NAME),
    ("re\r\nport.txt", "report.txt", "report.txt"),
    ("C:\\Users\\rina\\error.log", "error.log", "error.log"),
    ("\u202etxt.exe", "txt.exe", "txt.exe"),
    ("", "printer_log.txt", "printer_log.txt"),
    ("\r\n", "scan.pdf", "scan.pdf"),
]


def attachments_at_the_previous_schema(migrate) -> list[int]:
    """Rows as uploads were stored before: each file in a random folder under (a storage-
    cleaned form of) the sender's name, the row keeping the name as sent."""
    apps = migrate(NAMES_BEFORE)
    # People are not what changes: a person as accounts has them now.
    requester = make_requester(username="rina")
    ticket = apps.get_model("tickets", "Ticket").objects.create(
        requester_id=requester.pk, subject="Printer", description="Jammed"
    )
    OldAttachment = apps.get_model("tickets", "Attachment")
    ids = []
    for number, (name, stored, _after) in enumerate(OLD_ROWS):
        path = default_storage.save(f"{OLD_FOLDER}{number}/{stored}", ContentFile(f"file {number}".encode()))
        attachment = OldAttachment.objects.create(
            ticket=ticket,
            file=path,
            original_name=name,
            content_type="text/html",
            size=len(f"file {number}"),
            uploaded_by_id=requester.pk,
        )
        ids.append(attachment.pk)
    return ids


def test_attachments_stored_before_keep_their_files_and_get_the_clean_names_new_uploads_get(migrate, client):
    ids = attachments_at_the_previous_schema(migrate)
    migrate(NAMES_AFTER)
    executor = MigrationExecutor(connection)
    migrate(executor.loader.graph.leaf_nodes())  # the pages below read today's schema
    attachments = Attachment.objects.in_bulk(ids)
    assert [attachments[pk].original_name for pk in ids] == [after for _name, _stored, after in OLD_ROWS]
    for number, (pk, (_name, stored, after)) in enumerate(zip(ids, OLD_ROWS, strict=True)):
        attachment = attachments[pk]
        assert attachment.file.name == f"{OLD_FOLDER}{number}/{stored}"
        client.force_login(attachment.uploaded_by)
        response = client.get(reverse("tickets:attachment", kwargs={"pk": pk}))
        assert response.status_code == 200
        served_safely(response)
        assert response["Content-Type"] == (
            "text/plain; charset=utf-8" if after.endswith((".txt", ".log")) else "application/octet-stream"
        )
        assert downloaded_name(response) == after
        assert b"".join(response.streaming_content) == f"file {number}".encode()
    # And back: nothing to undo, the clean names stay.
    migrate(NAMES_BEFORE)
    OldAttachment = (
        MigrationExecutor(connection).loader.project_state(NAMES_BEFORE).apps.get_model("tickets", "Attachment")
    )
    assert OldAttachment.objects.get(pk=ids[3]).original_name == "report.txt"
