from rest_framework import serializers

from ..parsing import AlertmanagerPayloadSerializer, GenericPayloadSerializer

__all__ = ["AcceptedSerializer", "AlertmanagerPayloadSerializer", "GenericPayloadSerializer"]


class AcceptedSerializer(serializers.Serializer):
    delivery = serializers.IntegerField(help_text="The recorded delivery (the admin's alert deliveries).")
    alerts = serializers.IntegerField(help_text="How many alerts it holds.")
    status = serializers.CharField(help_text="Always `received`: tickets follow from a worker in moments.")
