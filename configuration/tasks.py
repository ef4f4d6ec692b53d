from celery import shared_task

from .services import RECOMPUTE_TASK, recompute_run_execute, recompute_run_fail


@shared_task(name=RECOMPUTE_TASK, acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def recompute_run(run_id: int) -> None:
    """Recompute the due times a run asks for, batch by batch; a run that stops on an
    error is marked failed (it is not retried: the supervisor asks again)."""
    try:
        recompute_run_execute(run_id=run_id)
    except Exception as error:
        recompute_run_fail(run_id=run_id, error=repr(error))
        raise
