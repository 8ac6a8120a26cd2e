"""`GET /api/v1/`: what the API holds, for a person or a client finding their way: its sections (the first
path segment of every route, with its URL) and where the documentation and the schema are. Public (it names
paths, nothing of any practice), and built from the URL configuration, so a new section appears by itself."""

from __future__ import annotations

from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

API_PREFIX = "api/v1/"


def _routes(patterns, prefix: str = ""):
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _routes(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield route


def api_sections() -> dict[str, str]:
    """Each first path segment of the /api/v1/ routes (`appointments`, `auth`, `clients`, ...) and its shortest
    route without a parameter (`appointments/`, `auth/login/`); a segment with no such route is left out."""
    sections: dict[str, str] = {}
    for route in _routes(get_resolver().url_patterns):
        if not route.startswith(API_PREFIX):
            continue
        path = route[len(API_PREFIX) :].replace("^", "").replace("$", "")
        head = path.split("/")[0]
        if not head or not all(part.replace("-", "").replace("_", "").isalnum() for part in path.strip("/").split("/")):
            continue  # a parameter, a regex or a format suffix
        if head not in sections or len(path) < len(sections[head]):
            sections[head] = path
    return dict(sorted(sections.items()))


class ApiIndexView(APIView):
    """The API's name and version, where its documentation is (Swagger UI, the OpenAPI document) and the URL
    of each of its sections. Public: no token needed."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        responses=inline_serializer(
            "ApiIndex",
            {
                "name": serializers.CharField(),
                "version": serializers.CharField(),
                "docs": serializers.URLField(help_text="Swagger UI"),
                "schema": serializers.URLField(help_text="OpenAPI 3 document"),
                "guide": serializers.CharField(help_text="Where the written guide lives in the repository"),
                "sections": serializers.DictField(child=serializers.URLField(), help_text="section -> its URL"),
            },
        ),
        summary="The API's sections and where its documentation is (public).",
    )
    def get(self, request):
        base = settings.PUBLIC_BASE_URL.rstrip("/")
        return Response(
            {
                "name": "Attune API",
                "version": "v1",
                "docs": base + reverse("docs"),
                "schema": base + reverse("schema"),
                "guide": "docs/api.md",
                "sections": {name: f"{base}/{API_PREFIX}{path}" for name, path in api_sections().items()},
            }
        )
