"""The ticket list's filters on ratings (tickets.filters.list_filter_add), so the reports'
satisfaction figures link to exactly the tickets they count: rated in a range, satisfied
or low, and the agent, level and category kept on the rating when it was given (not the
ticket's now). A ticket has at most one rating, so each filter reads the same row."""

import django_filters
from django.utils.translation import gettext_lazy as _

from accounts.choices import Level
from tickets.filters import InstantFilter, NoneOrIdField, list_filter_add

from .choices import LOW_UP_TO, SATISFIED_FROM

OUTCOMES = (("rated", _("Rated")), ("satisfied", _("Satisfied (4 or 5)")), ("low", _("Low (1 or 2)")))


class NoneOrIdFilter(django_filters.CharFilter):
    field_class = NoneOrIdField

    def filter(self, qs, value):
        if value in (None, ""):
            return qs
        if value == "none":
            return qs.filter(**{f"{self.field_name}__isnull": True, "rating__isnull": False})
        return qs.filter(**{self.field_name: int(value)})


def _outcome(queryset, name, value):
    if value == "satisfied":
        return queryset.filter(rating__score__gte=SATISFIED_FROM)
    if value == "low":
        return queryset.filter(rating__score__lte=LOW_UP_TO)
    return queryset.filter(rating__isnull=False)


def rating_filters_add() -> None:
    list_filter_add(
        "rated_after", InstantFilter(label=_("Rated from"), field_name="rating__rated_at", lookup_expr="gte")
    )
    list_filter_add(
        "rated_before", InstantFilter(label=_("Rated before"), field_name="rating__rated_at", lookup_expr="lt")
    )
    list_filter_add(
        "rating",
        django_filters.ChoiceFilter(label=_("Rating"), choices=OUTCOMES, empty_label=_("Any"), method=_outcome),
    )
    list_filter_add("rated_agent", NoneOrIdFilter(label=_("Rated agent (person no.)"), field_name="rating__agent_id"))
    list_filter_add(
        "rated_level",
        django_filters.ChoiceFilter(
            label=_("Level when rated"), choices=Level.choices, empty_label=_("Any"), field_name="rating__level"
        ),
    )
    list_filter_add("rated_category", NoneOrIdFilter(label=_("Category when rated"), field_name="rating__category_id"))
