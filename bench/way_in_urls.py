"""bench/way_in.py's URLconf (bench only, loaded by bench/way_in_settings.py): the bare views beside the product."""

from django.db import connection
from django.http import HttpResponseForbidden, JsonResponse
from django.urls import include, path
from knox.auth import TokenAuthentication
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.api.permissions import RolePermission
from backend.api.views import PracticeScopedMixin
from practice import roles


class CountQueriesMiddleware:
    """Answers each request's number of SQL statements in `X-Queries` (the whole request, middleware included)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        count = [0]

        def counter(execute, sql, params, many, context):
            count[0] += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counter):
            response = self.get_response(request)
        response["X-Queries"] = str(count[0])
        return response


def bare_django(request):
    """A bare Django view behind the session: the session, its user, nothing else of its own."""
    if not request.user.is_authenticated:
        return HttpResponseForbidden()
    return JsonResponse([], safe=False)


class BareApi(PracticeScopedMixin, APIView):
    """A bare authenticated DRF endpoint: the product's authentication, membership and role gate, no queries."""

    permission_classes = [RolePermission]
    read_roles = roles.ALL_ROLES

    def get(self, request):
        return Response([])


class BareApiKnox(BareApi):
    """The same endpoint through knox's own TokenAuthentication, as main authenticated before issue 17 (its
    per-request clean-up reading every token of the user)."""

    authentication_classes = [TokenAuthentication]


urlpatterns = [
    path("bench/django/", bare_django),
    path("bench/api/", BareApi.as_view()),
    path("bench/api-knox/", BareApiKnox.as_view()),
    path("", include("backend.urls")),
]
