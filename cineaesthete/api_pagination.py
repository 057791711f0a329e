"""Page numbers as the schema documents them: whole numbers from 1; anything else is "no such page" (404)."""

from __future__ import annotations

from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination


class StrictPageNumberPagination(PageNumberPagination):
    # DRF also takes "last" and any text int() reads ("1 ", "+1"); the schema says integer, so only digits.
    last_page_strings = ()

    def get_page_number(self, request, paginator) -> int:
        value = request.query_params.get(self.page_query_param) or "1"
        if not (value.isascii() and value.isdigit() and len(value) <= 9 and int(value) >= 1):
            raise NotFound("No such page.")
        return int(value)

    def get_schema_operation_parameters(self, view) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": 999_999_999}
        return parameters
