from rest_framework import serializers

from api.views import ListApiView

from ..models import SupportLevel


class SupportLevelSerializer(serializers.ModelSerializer):
    class Meta:
        model = SupportLevel
        fields = ["number", "name", "description"]


class LevelList(ListApiView):
    """The support levels (I, II, III)."""

    serializer_class = SupportLevelSerializer
    pagination_class = None
    queryset = SupportLevel.objects.order_by("number")
