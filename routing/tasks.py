from celery import shared_task

from . import services


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def level_assign(level: int) -> int:
    """Run one level's assignment policy over its waiting tickets."""
    return services.level_assign_waiting(level=level)


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def agent_assign(agent_id: int) -> int:
    """Give an agent who has just become available the waiting tickets of their levels."""
    return services.agent_assign_waiting(agent_id=agent_id)


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def levels_assign() -> int:
    """The periodic sweep: every level's policy over its waiting tickets."""
    return services.levels_assign_waiting()
