from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from api.views import ApiView

from ..selectors import agent_levels, user_role


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField()
    email = serializers.EmailField(allow_blank=True)
    phone = serializers.CharField(allow_blank=True)
    language = serializers.CharField()
    time_zone = serializers.CharField()
    role = serializers.CharField()
    levels = serializers.ListField(child=serializers.IntegerField())


class Me(ApiView):
    """Who the request acts as: role and the support levels they work."""

    @extend_schema(responses={200: MeSerializer})
    def get(self, request):
        user = request.user
        data = {
            "id": user.pk,
            "username": user.username,
            "name": str(user),
            "email": user.email,
            "phone": user.phone,
            "language": user.language,
            "time_zone": user.time_zone,
            "role": user_role(user),
            "levels": agent_levels(user),
        }
        return Response(MeSerializer(data).data)
