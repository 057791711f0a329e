"""The OpenAPI schema says which errors each operation can answer, not only its happy path.

drf-spectacular documents the success response of each view. Every API request can also meet the
authentication classes (a bad token), the throttles, and, for writes, CSRF and the services' validation; this
schema class adds those responses with the body DRF sends for them, so clients (and schemathesis) can rely on
the documented status codes.
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema

DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
FIELD_ERRORS = {
    "type": "object",
    "description": "Messages by field name; `non_field_errors` and `detail` for the request as a whole.",
    "additionalProperties": {},
}


def _error(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


class AutoSchema(SpectacularAutoSchema):
    def _get_response_bodies(self, direction="response"):
        bodies = super()._get_response_bodies(direction)
        writes = self.method in ("POST", "PUT", "PATCH", "DELETE")
        has_input = writes or bool(self._get_filter_parameters()) or self._is_list_view()
        errors = {
            "400": (
                has_input or bool(self.get_override_parameters()),
                "The request's values were refused.",
                FIELD_ERRORS,
            ),
            # A view with no authentication (the token endpoint itself) never answers 401.
            "401": (
                bool(self.view.get_authenticators()),
                "The credentials are missing or wrong (with a token).",
                DETAIL,
            ),
            "403": (True, "Not signed in, not allowed, or the CSRF check failed (with the session).", DETAIL),
            "404": (self._has_path_parameters() or self._is_list_view(), "No such object, or no such page.", DETAIL),
            "429": (True, "Too many requests; the Retry-After header says when to try again.", DETAIL),
        }
        for code, (applies, description, schema) in errors.items():
            if applies and code not in bodies:
                bodies[code] = _error(description, schema)
        return bodies

    def _has_path_parameters(self) -> bool:
        return "{" in self.path
