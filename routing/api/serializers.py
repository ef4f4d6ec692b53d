"""What the people API shows and takes: agents with their levels, skills, presence and
shift; requesters; an agent's own presence; a supervisor's change to an agent."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.choices import Level
from tickets.api.filters import MAX_ID

from ..choices import Presence
from ..selectors import Shift


class SkillSerializer(serializers.Serializer):
    category = serializers.IntegerField(read_only=True)
    category_name = serializers.CharField(read_only=True)
    proficiency = serializers.IntegerField(read_only=True, allow_null=True, min_value=1, max_value=5)


class ShiftCalendarSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    time_zone = serializers.CharField(read_only=True)
    of = serializers.ChoiceField(
        choices=[("agent", "agent"), ("level", "level")],
        read_only=True,
        help_text=_("Whose calendar it is: the agent's own, or their level's."),
    )


class PresenceSerializer(serializers.Serializer):
    presence = serializers.ChoiceField(
        choices=Presence.choices,
        read_only=True,
        help_text=_("What routing reads now: off outside the shift, else what the agent chose."),
    )
    presence_chosen = serializers.ChoiceField(choices=Presence.choices, read_only=True)
    presence_chosen_at = serializers.DateTimeField(read_only=True, allow_null=True)
    shift_calendar = ShiftCalendarSerializer(read_only=True, allow_null=True, help_text=_("Empty: around the clock."))


def shift_data(shift: Shift) -> dict:
    calendar = shift.calendar
    return {
        "presence": shift.presence,
        "presence_chosen": shift.chosen,
        "presence_chosen_at": shift.chosen_at,
        "shift_calendar": (
            {"id": calendar.pk, "name": calendar.name, "time_zone": calendar.time_zone, "of": shift.calendar_of}
            if calendar is not None
            else None
        ),
    }


class AgentSerializer(PresenceSerializer):
    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    email = serializers.EmailField(read_only=True, allow_blank=True)
    levels = serializers.ListField(child=serializers.ChoiceField(choices=Level.choices), read_only=True)
    skills = SkillSerializer(many=True, read_only=True)
    open_tickets = serializers.IntegerField(read_only=True)


def agent_data(user, shift: Shift) -> dict:
    """One agent as AgentSerializer shows them, from what agent_directory read."""
    return {
        "id": user.pk,
        "username": user.username,
        "name": str(user),
        "email": user.email,
        "levels": [level.number for level in user.support_levels.all()],
        "skills": [
            {"category": skill.category_id, "category_name": skill.category.name, "proficiency": skill.proficiency}
            for skill in user.skills.all()
        ],
        "open_tickets": user.open_tickets,
        **shift_data(shift),
    }


class RequesterSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    email = serializers.EmailField(read_only=True, allow_blank=True)


def requester_data(user) -> dict:
    return {"id": user.pk, "username": user.username, "name": str(user), "email": user.email}


class PeopleQuerySerializer(serializers.Serializer):
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text=_("Words each found in the username, first or last name or email address."),
    )


class AgentQuerySerializer(PeopleQuerySerializer):
    level = serializers.ChoiceField(choices=Level.choices, required=False, help_text=_("Members of this level."))
    skill = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, help_text=_("Agents with this category (its id) as a skill.")
    )
    presence = serializers.ChoiceField(
        choices=Presence.choices,
        required=False,
        help_text=_("Effective presence now: off outside the shift, whatever the agent chose."),
    )


class PresenceWriteSerializer(serializers.Serializer):
    presence = serializers.ChoiceField(choices=Presence.choices)


# The list's messages are shown under ``skills``: each says which value it is about.
PROFICIENCY_RANGE = _("A proficiency is a number from 1 to 5, or empty.")
CATEGORY_ID = _("A category is given by its id, a whole number from 1.")


class SkillWriteSerializer(serializers.Serializer):
    category = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        help_text=_("A category's id."),
        error_messages={"invalid": CATEGORY_ID, "min_value": CATEGORY_ID, "max_string_length": CATEGORY_ID},
    )
    proficiency = serializers.IntegerField(
        min_value=1,
        max_value=5,
        required=False,
        allow_null=True,
        default=None,
        help_text=_("1 to 5, or empty."),
        error_messages={"invalid": PROFICIENCY_RANGE, "min_value": PROFICIENCY_RANGE, "max_value": PROFICIENCY_RANGE},
    )


class AgentUpdateSerializer(serializers.Serializer):
    shift_calendar = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        allow_null=True,
        help_text=_("A business calendar's id as the agent's own shift; empty: their level's."),
    )
    skills = SkillWriteSerializer(
        many=True, required=False, max_length=500, help_text=_("Every skill the agent has (the list replaces theirs).")
    )

    def validate_skills(self, skills: list[dict]) -> list[dict]:
        categories = [skill["category"] for skill in skills]
        if len(set(categories)) != len(categories):
            raise serializers.ValidationError(_("Name each category once."))
        return skills
