"""The demo's automatic assignment: Level I hands out its tickets by least load, agents
with the ticket's category as a skill first, up to 30 open tickets each."""

from accounts.choices import Level
from routing.choices import AssignmentMethod, SkillRule
from routing.models import AgentSkill, AssignmentPolicy
from tickets.models import Category

SKILLS = {"agent1": {"Password and account": 5, "Printer and scanner": 4, "PC and laptop": 3}}


def demo_routing_ensure(*, users: dict) -> bool:
    """Create the Level I policy and the demo agents' skills when there is no policy yet."""
    if AssignmentPolicy.objects.exists():
        return False
    AssignmentPolicy.objects.create(
        level=Level.I, method=AssignmentMethod.LEAST_LOADED, skill_rule=SkillRule.PREFER, cap=30
    )
    categories = {category.name: category for category in Category.objects.all()}
    AgentSkill.objects.bulk_create(
        [
            AgentSkill(agent=users[username], category=categories[name], proficiency=proficiency)
            for username, skills in SKILLS.items()
            if username in users
            for name, proficiency in skills.items()
            if name in categories
        ],
        ignore_conflicts=True,
    )
    return True
