"""JSON bodies are typed: a title must be a string, a flag a boolean, an id a number.

DRF's fields coerce (``0`` becomes the title "0", ``"yes"`` becomes True), which is right for HTML forms,
where every value is text, but makes the API accept bodies its schema calls invalid. Serializers with this
mixin check the JSON type of each value before the fields see it; form-encoded bodies keep DRF's coercion.
"""

from __future__ import annotations

from django.http import QueryDict
from rest_framework import serializers
from rest_framework.relations import PrimaryKeyRelatedField


def _json_type_error(field: serializers.Field, value: object) -> str | None:
    if value is None:
        return None  # allow_null decides
    if isinstance(field, serializers.BooleanField):
        return None if isinstance(value, bool) else "Must be true or false."
    if isinstance(value, bool):
        return "Must not be true or false."
    if isinstance(field, serializers.CharField | serializers.ChoiceField) and not isinstance(
        field, serializers.DateField
    ):
        if isinstance(field, serializers.ChoiceField):
            return None if isinstance(value, str | int) else "Must be one of the choices."
        return None if isinstance(value, str) else "Must be a string."
    if isinstance(field, serializers.IntegerField | PrimaryKeyRelatedField):
        return None if isinstance(value, int) else "Must be a whole number."
    if isinstance(field, serializers.DateField):
        return None if isinstance(value, str) else "Must be a date (YYYY-MM-DD)."
    if isinstance(field, serializers.ListField):
        return None if isinstance(value, list) else "Must be a list."
    return None


class JsonTypesMixin:
    def to_internal_value(self, data):
        if isinstance(data, dict) and not isinstance(data, QueryDict):
            errors = {}
            for name, field in self.fields.items():
                if field.read_only or name not in data:
                    continue
                if error := _json_type_error(field, data[name]):
                    errors[name] = [error]
                elif isinstance(field, serializers.ListField) and isinstance(data[name], list):
                    child_errors = [_json_type_error(field.child, item) for item in data[name]]
                    if any(child_errors):
                        errors[name] = [next(e for e in child_errors if e)]
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)
