from celery import shared_task

from .services import asset_expiry_warn, asset_import_apply, asset_import_parse
from .services.imports import APPLY_TASK, PARSE_TASK


@shared_task(name=PARSE_TASK, acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def asset_import_parse_task(import_id: int) -> None:
    """Read an uploaded asset file into its preview (claimed, so read once)."""
    asset_import_parse(import_id=import_id)


@shared_task(name=APPLY_TASK, acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def asset_import_apply_task(import_id: int) -> None:
    """Write a confirmed asset import, all or nothing, once."""
    asset_import_apply(import_id=import_id)


@shared_task(name="assets.tasks.expiry_warnings", acks_late=True, ignore_result=True)
def asset_expiry_warnings() -> int:
    """Daily: tell supervisors of the warranties and licences ending soon (each once)."""
    return asset_expiry_warn()
