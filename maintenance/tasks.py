from celery import shared_task

from .services import maintenance_runs_open


@shared_task(name="maintenance.tasks.maintenance_open", ignore_result=True)
def maintenance_open() -> int:
    """Periodic: open the tickets of the maintenance runs whose open time has come (each
    once, whichever beat or worker runs it, however often)."""
    return maintenance_runs_open()
