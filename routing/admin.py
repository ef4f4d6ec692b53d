from django.contrib import admin

from . import services
from .models import AgentProfile, AgentSkill, AssignmentPolicy


@admin.register(AssignmentPolicy)
class AssignmentPolicyAdmin(admin.ModelAdmin):
    list_display = ("level", "method", "skill_rule", "cap", "calendar")
    list_filter = ("method", "skill_rule")
    list_select_related = ("calendar",)


@admin.register(AgentProfile)
class AgentProfileAdmin(admin.ModelAdmin):
    """An agent's shift calendar; their presence is theirs to choose (the profile page or
    the API), so it is shown here, not changed."""

    list_display = ("user", "presence", "presence_set_at", "calendar", "last_assigned_at")
    list_filter = ("presence", "calendar")
    list_select_related = ("user", "calendar")
    search_fields = ("user__username", "user__first_name", "user__last_name", "user__email")
    raw_id_fields = ("user",)
    readonly_fields = ("presence", "presence_set_at", "last_assigned_at")

    def get_readonly_fields(self, request, obj=None):
        # The agent is chosen when the row is added, never moved to someone else.
        return (*self.readonly_fields, "user") if obj is not None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if not change:
            obj.save()
        services.agent_calendar_set(agent=obj.user, calendar_id=obj.calendar_id)


@admin.register(AgentSkill)
class AgentSkillAdmin(admin.ModelAdmin):
    """One row per agent and category (skills point at the person, not at their profile,
    so they are listed here rather than inside it)."""

    list_display = ("agent", "category", "proficiency")
    list_filter = ("category", "proficiency")
    list_select_related = ("agent", "category")
    search_fields = ("agent__username", "agent__first_name", "agent__last_name", "category__name")
    raw_id_fields = ("agent",)
