from django.urls import path

from . import views

app_name = "configuration"

urlpatterns = [
    path("configuration/", views.index, name="index"),
    path("configuration/levels/", views.levels, name="levels"),
    path("configuration/levels/remove/", views.level_member_remove, name="level-member-remove"),
    path("configuration/categories/", views.categories, name="categories"),
    path("configuration/categories/<int:pk>/", views.category_edit, name="category-edit"),
    path("configuration/sla/", views.sla_policies, name="sla-policies"),
    path("configuration/sla/<int:pk>/", views.sla_policy_edit, name="sla-policy-edit"),
    path("configuration/sla/<int:pk>/delete/", views.sla_policy_remove, name="sla-policy-delete"),
    path("configuration/calendars/", views.calendars, name="calendars"),
    path("configuration/holidays/<int:pk>/delete/", views.holiday_remove, name="holiday-delete"),
    path("configuration/recompute/", views.recompute, name="recompute"),
    path("configuration/recompute/<int:pk>/", views.recompute_run, name="recompute-run"),
]
