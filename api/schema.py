"""How the API describes its errors in the OpenAPI schema: every error answer has the one
shape of ``api.exceptions``, and the answers any operation can give (401 without valid
credentials, 429 when throttled, 404 for a path naming nothing) are documented on each."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

ERROR_DESCRIPTIONS = {
    400: "invalid input; `fields` names each field with what is wrong",
    401: "no valid credentials",
    403: "refused: not allowed for you",
    404: "not found (or not yours to see)",
    409: "conflict: an illegal transition, or the version in If-Match is stale",
    429: "too many requests; retry after the Retry-After header's seconds",
}


class ErrorBodySerializer(serializers.Serializer):
    status = serializers.IntegerField()
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False)


class ErrorSerializer(serializers.Serializer):
    error = ErrorBodySerializer()


def error_responses(*codes: int) -> dict[int, OpenApiResponse]:
    """Error answers for ``extend_schema(responses=...)``, each with the error shape."""
    return {code: OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[code]) for code in codes}


class ApiAutoSchema(AutoSchema):
    """Adds the error answers every operation can give to those its view documents, and
    documents one way to send each body."""

    def map_parsers(self):
        """JSON, or multipart/form-data where files go up. The views also take the other
        forms DRF parses, but the same body offered under three media types leaves a
        generated client no way to choose (openapi-python-client sends the last one)."""
        media_types = super().map_parsers()
        for preferred in ("application/json", "multipart/form-data"):
            if preferred in media_types:
                return [preferred]
        return media_types

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        codes = [401, 429]
        if "{" in path:
            codes.append(404)
        error = {"schema": self.resolve_serializer(ErrorSerializer, "response").ref}
        responses = operation["responses"]
        for code in codes:
            responses.setdefault(str(code), {"description": ERROR_DESCRIPTIONS[code]})
        for code, response in responses.items():
            if code.startswith(("4", "5")) and not response.get("content"):
                response["content"] = {"application/json": error}
        return operation
