"""What monitoring tools send, checked and read into one shape.

Alertmanager's webhook (payload version 4) is taken as Alertmanager sends it; Zabbix's
media type and any other tool send the generic form: ``{"alerts": [{"key": …, "status":
"firing" | "resolved", "name": …, …}]}``. The serializers only check (they never save);
``alerts_read`` turns a checked payload into ``IncomingAlert`` values, one per key.
"""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from tickets.text import multi_line, single_line

from .choices import AlertSource, AlertState, GroupBy

MAX_ALERTS = 10_000
MAX_LABELS = 100
LABEL_VALUE_MAX = 2000
KEY_MAX = 128
# Labels, first found first, that name the host an alert is about.
HOST_LABELS = ("host", "hostname", "instance", "nodename")


class LabelsField(serializers.DictField):
    """Labels or annotations: names and values are text, at most MAX_LABELS of them."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("child", serializers.CharField(max_length=LABEL_VALUE_MAX, allow_blank=True))
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if len(value) > MAX_LABELS:
            raise serializers.ValidationError(_("At most %(count)d labels.") % {"count": MAX_LABELS})
        for name in value:
            if len(name) > 200:
                raise serializers.ValidationError(_("A label name is at most 200 characters."))
        return value


class AlertmanagerAlertSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=AlertState.choices)
    labels = LabelsField(required=True)
    annotations = LabelsField()
    startsAt = serializers.DateTimeField(required=False)  # noqa: N815 - Alertmanager's names
    endsAt = serializers.CharField(required=False, allow_blank=True, max_length=64)  # noqa: N815
    generatorURL = serializers.CharField(required=False, allow_blank=True, max_length=2000)  # noqa: N815
    fingerprint = serializers.CharField(required=False, allow_blank=True, max_length=KEY_MAX)


class AlertmanagerPayloadSerializer(serializers.Serializer):
    """Alertmanager's webhook body (version 4), as its webhook receiver posts it."""

    version = serializers.ChoiceField(choices=[("4", "4")])
    groupKey = serializers.CharField(max_length=4000)  # noqa: N815
    truncatedAlerts = serializers.IntegerField(required=False, min_value=0)  # noqa: N815
    status = serializers.ChoiceField(choices=AlertState.choices)
    receiver = serializers.CharField(required=False, allow_blank=True, max_length=500)
    groupLabels = LabelsField()  # noqa: N815
    commonLabels = LabelsField()  # noqa: N815
    commonAnnotations = LabelsField()  # noqa: N815
    externalURL = serializers.CharField(required=False, allow_blank=True, max_length=2000)  # noqa: N815
    alerts = serializers.ListField(child=AlertmanagerAlertSerializer(), allow_empty=False, max_length=MAX_ALERTS)


class GenericAlertSerializer(serializers.Serializer):
    key = serializers.CharField(
        max_length=KEY_MAX,
        help_text=_("What stays the same for one problem, firing and resolved (Zabbix: the event id)."),
    )
    status = serializers.ChoiceField(choices=AlertState.choices)
    name = serializers.CharField(max_length=200)
    severity = serializers.CharField(required=False, allow_blank=True, max_length=40)
    host = serializers.CharField(required=False, allow_blank=True, max_length=253)
    summary = serializers.CharField(required=False, allow_blank=True, max_length=1000)
    description = serializers.CharField(required=False, allow_blank=True, max_length=20_000)
    labels = LabelsField()
    url = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    starts_at = serializers.DateTimeField(required=False)


class GenericPayloadSerializer(serializers.Serializer):
    """The generic form: Zabbix's media type and any other tool."""

    alerts = serializers.ListField(child=GenericAlertSerializer(), allow_empty=False, max_length=MAX_ALERTS)


PAYLOAD_SERIALIZERS: dict[str, type[serializers.Serializer]] = {
    AlertSource.ALERTMANAGER: AlertmanagerPayloadSerializer,
    AlertSource.ZABBIX: GenericPayloadSerializer,
    AlertSource.GENERIC: GenericPayloadSerializer,
}


@dataclass
class IncomingAlert:
    """One alert of a delivery, as the services read it."""

    key: str
    state: str
    name: str
    severity: str = ""
    host: str = ""
    summary: str = ""
    description: str = ""
    labels: dict = field(default_factory=dict)
    url: str = ""
    starts_at: datetime | None = None
    # How many times this key came in the one delivery (a batch may repeat an alert).
    times: int = 1


def _clean_labels(labels: dict) -> dict:
    return {single_line(str(name))[:200]: single_line(str(value))[:LABEL_VALUE_MAX] for name, value in labels.items()}


def _host(labels: dict) -> str:
    for name in HOST_LABELS:
        value = labels.get(name, "")
        if value:
            # Prometheus's instance is host:port (or [v6]:port).
            if name == "instance" and value.count(":") == 1:
                value = value.rsplit(":", 1)[0]
            return value.strip("[]")[:253]
    return ""


def _digest(text: str, length: int = 40) -> str:
    return hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()[:length]


def _alertmanager(data: dict, group_by: str) -> list[IncomingAlert]:
    if group_by == GroupBy.GROUP:
        labels = _clean_labels({**data.get("commonLabels", {}), **data.get("groupLabels", {})})
        annotations = _clean_labels(data.get("commonAnnotations", {}))
        first = data["alerts"][0]
        starts = [alert["startsAt"] for alert in data["alerts"] if alert.get("startsAt")]
        return [
            IncomingAlert(
                key="group:" + _digest(data["groupKey"]),
                state=data["status"],
                name=labels.get("alertname", "") or single_line(data["groupKey"])[:200],
                severity=labels.get("severity", ""),
                host=_host(labels),
                summary=annotations.get("summary", ""),
                description=multi_line(
                    "\n".join(
                        filter(None, (alert.get("annotations", {}).get("description", "") for alert in data["alerts"]))
                    )
                ),
                labels=labels,
                url=single_line(first.get("generatorURL", "")),
                starts_at=min(starts) if starts else None,
            )
        ]
    found = []
    for alert in data["alerts"]:
        labels = _clean_labels(alert["labels"])
        annotations = alert.get("annotations", {})
        fingerprint = single_line(alert.get("fingerprint", ""))
        if not fingerprint:
            fingerprint = _digest(json.dumps(labels, sort_keys=True), 16)
        found.append(
            IncomingAlert(
                key=fingerprint,
                state=alert["status"],
                name=labels.get("alertname", "") or fingerprint,
                severity=labels.get("severity", ""),
                host=_host(labels),
                summary=single_line(annotations.get("summary", ""))[:1000],
                description=multi_line(annotations.get("description", "")),
                labels=labels,
                url=single_line(alert.get("generatorURL", "")),
                starts_at=alert.get("startsAt"),
            )
        )
    return found


def _generic(data: dict) -> list[IncomingAlert]:
    found = []
    for alert in data["alerts"]:
        labels = _clean_labels(alert.get("labels", {}))
        key = single_line(alert["key"])
        found.append(
            IncomingAlert(
                key=key or _digest(alert["key"]),
                state=alert["status"],
                name=single_line(alert["name"])[:200] or key,
                severity=single_line(alert.get("severity", "")) or labels.get("severity", ""),
                host=single_line(alert.get("host", "")) or _host(labels),
                summary=single_line(alert.get("summary", "")),
                description=multi_line(alert.get("description", "")),
                labels=labels,
                url=single_line(alert.get("url", "")),
                starts_at=alert.get("starts_at"),
            )
        )
    return found


def alerts_read(*, source: str, data: dict, group_by: str | None = None) -> list[IncomingAlert]:
    """The alerts of a checked payload, one per key in the order they came: a key sent
    twice in one delivery counts twice and ends in the state it was sent last."""
    group_by = group_by or settings.HELPDESK_ALERTS_GROUP_BY
    found = _alertmanager(data, group_by) if source == AlertSource.ALERTMANAGER else _generic(data)
    by_key: dict[str, IncomingAlert] = {}
    for alert in found:
        seen = by_key.get(alert.key)
        if seen is not None:
            alert.times += seen.times
        by_key[alert.key] = alert
    return list(by_key.values())


def payload_check(*, source: str, data) -> dict:
    """The payload checked by its source's serializer; a ``ValidationError`` names what is wrong."""
    if not isinstance(data, dict):
        raise serializers.ValidationError(_("Send a JSON object."))
    checked = PAYLOAD_SERIALIZERS[source](data=data)
    checked.is_valid(raise_exception=True)
    return checked.validated_data
