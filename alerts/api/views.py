"""Where monitoring tools post alerts. Each answers 202 once the delivery is recorded
(a worker makes the tickets), or 400 with the reason, which is kept for the
administrator. Senders authenticate with the monitoring account's (or an account with
the ``alerts.post_alerts`` permission's) API token, or HTTP basic auth when configured."""

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, permissions, status, throttling
from rest_framework.response import Response

from accounts.authentication import ApiTokenAuthentication
from accounts.selectors import client_address
from api.exceptions import Invalid
from api.schema import error_responses
from api.views import ApiView

from ..authentication import AlertsBasicAuthentication
from ..choices import AlertSource, DeliveryStatus
from ..parsing import payload_check
from ..services import alert_delivery_record, alert_delivery_refuse
from ..tasks import alert_delivery_process_task
from . import serializers as s

ERRORS = error_responses(400, 403)


def _messages(detail, path: str = "") -> list[str]:
    """Each message of a (nested) error detail with the place it is about: ``alerts.0.status: …``."""
    if isinstance(detail, dict):
        return [message for key, value in detail.items() for message in _messages(value, f"{path}{key}.")]
    if isinstance(detail, list):
        if all(not isinstance(value, dict | list) for value in detail):
            return [f"{path.rstrip('.')}: {value}" if path else str(value) for value in detail]
        return [message for index, value in enumerate(detail) for message in _messages(value, f"{path}{index}.")]
    return [f"{path.rstrip('.')}: {detail}" if path else str(detail)]


def _reason(error: exceptions.APIException) -> str:
    """What the administrator reads of a refusal: every message, with where it is."""
    return "\n".join(_messages(error.detail))


class MayPostAlerts(permissions.BasePermission):
    """The monitoring account, or an account given the ``alerts.post_alerts`` permission."""

    message = gettext_lazy("Only the monitoring account or an account allowed to post alerts may post them.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return user.get_username() == settings.HELPDESK_ALERTS_ACCOUNT or user.has_perm("alerts.post_alerts")


class AlertIntakeApi(ApiView):
    source = AlertSource.GENERIC
    authentication_classes = [ApiTokenAuthentication, AlertsBasicAuthentication]
    permission_classes = [MayPostAlerts]
    # A storm must not be cut short: senders are few and authenticated; strangers are limited.
    throttle_classes = [throttling.AnonRateThrottle]

    def post(self, request):
        body = request.body
        sender, address = request.user, client_address(request)
        try:
            data = request.data
        except exceptions.APIException as error:
            alert_delivery_refuse(source=self.source, body=body, sender=sender, address=address, reason=_reason(error))
            raise
        try:
            checked = payload_check(source=self.source, data=data)
        except exceptions.ValidationError as error:
            alert_delivery_refuse(source=self.source, body=body, sender=sender, address=address, reason=_reason(error))
            raise
        except (RecursionError, OverflowError):
            reason = _("The request could not be read: a value is too deep or too large.")
            alert_delivery_refuse(source=self.source, body=body, sender=sender, address=address, reason=reason)
            raise Invalid(reason) from None
        count = len(checked["alerts"])
        delivery = alert_delivery_record(
            source=self.source, body=body, sender=sender, address=address, alert_count=count
        )
        alert_delivery_process_task.delay_on_commit(delivery.pk)
        return Response(
            {"delivery": delivery.pk, "alerts": count, "status": DeliveryStatus.RECEIVED},
            status=status.HTTP_202_ACCEPTED,
        )


ACCEPTED = OpenApiResponse(s.AcceptedSerializer, description="Recorded; a worker makes the tickets.")


class AlertmanagerApi(AlertIntakeApi):
    source = AlertSource.ALERTMANAGER

    @extend_schema(
        operation_id="alerts_alertmanager",
        tags=["alerts"],
        summary="Alertmanager webhook",
        description="Alertmanager's webhook body (version 4) as its webhook receiver sends it.",
        request=s.AlertmanagerPayloadSerializer,
        responses={202: ACCEPTED, **ERRORS},
    )
    def post(self, request):
        return super().post(request)


class ZabbixApi(AlertIntakeApi):
    source = AlertSource.ZABBIX

    @extend_schema(
        operation_id="alerts_zabbix",
        tags=["alerts"],
        summary="Zabbix media type",
        description="The generic form, as deploy/zabbix-media-type.js builds it; `key` is the problem's event id.",
        request=s.GenericPayloadSerializer,
        responses={202: ACCEPTED, **ERRORS},
    )
    def post(self, request):
        return super().post(request)


class GenericAlertsApi(AlertIntakeApi):
    source = AlertSource.GENERIC

    @extend_schema(
        operation_id="alerts_generic",
        tags=["alerts"],
        summary="Alerts from any tool",
        description="The generic form: a list of alerts, each with a `key` that is the same firing and resolved.",
        request=s.GenericPayloadSerializer,
        responses={202: ACCEPTED, **ERRORS},
    )
    def post(self, request):
        return super().post(request)
