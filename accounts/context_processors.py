from .choices import Role
from .selectors import user_role


def role(request):
    current = user_role(request.user)
    return {"role": current, "role_label": Role(current).label if current else ""}
