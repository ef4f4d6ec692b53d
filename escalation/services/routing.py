from ..choices import Level


def route_level(*, category) -> int:
    """The level a new ticket starts at: its category's default, else Level I."""
    return category.default_level if category is not None else Level.I
