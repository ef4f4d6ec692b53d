from drf_spectacular.extensions import OpenApiAuthenticationExtension


class AlertsBasicScheme(OpenApiAuthenticationExtension):
    target_class = "alerts.authentication.AlertsBasicAuthentication"
    name = "alertsBasic"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "basic",
            "description": "HELPDESK_ALERTS_BASIC_USER and HELPDESK_ALERTS_BASIC_PASSWORD, for tools that cannot send a token.",
        }
