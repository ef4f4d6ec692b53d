from drf_spectacular.authentication import SessionScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A key from your profile page: Authorization: Bearer hdk_…",
        }


class VerifiedSessionScheme(SessionScheme):
    """The browser's session cookie, as DRF's session authentication (the second factor is
    asked for at sign-in, not in the request)."""

    target_class = "accounts.authentication.VerifiedSessionAuthentication"
