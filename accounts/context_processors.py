from .selectors import user_role


def role(request):
    current = user_role(request.user)
    return {"role": current}
