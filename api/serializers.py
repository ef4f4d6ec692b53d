"""What the API's serializers share."""

import copy

from django.utils import translation
from rest_framework import serializers


class FieldsBuiltOnce:
    """Builds a serializer's fields once per class and language, and gives each instance
    copies of them. A ModelSerializer otherwise reads its model's fields afresh for every
    instance (labels, validators, choices), which was a tenth of the CPU time of filing a
    ticket through the API (bench/api.py). Per language: labels and help texts are
    translated when the fields are built."""

    def get_fields(self):
        owner = type(self)
        built = owner.__dict__.get("_fields_built")
        if built is None:
            built = {}
            owner._fields_built = built  # type: ignore[attr-defined]
        language = translation.get_language()
        prototype = built.get(language)
        if prototype is None:
            prototype = built[language] = super().get_fields()  # type: ignore[misc]
        return copy.deepcopy(prototype)


class ModelSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    """A ModelSerializer whose fields are built once (see FieldsBuiltOnce)."""
