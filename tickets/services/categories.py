"""Categories supervisors keep: what a ticket is about, and where it goes first."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ..exceptions import TicketError
from ..models import Category
from ..text import multi_line, single_line


@transaction.atomic
def category_save(
    *,
    name: str,
    description: str,
    default_level: int,
    default_impact: str,
    is_active: bool,
    category_id: int | None = None,
) -> Category:
    """Create a category (or, with ``category_id``, change one); names are unique, and a
    category is never deleted (tickets keep it), only made inactive."""
    if category_id is None:
        category = Category()
    else:
        found = Category.objects.select_for_update().filter(pk=category_id).first()
        if found is None:
            raise TicketError(_("That category does not exist."))
        category = found
    category.name, category.description = single_line(name), multi_line(description)
    category.default_level, category.default_impact, category.is_active = default_level, default_impact, is_active
    try:
        category.full_clean()
    except ValidationError as error:
        raise TicketError(" ".join(error.messages)) from None
    category.save()
    return category
