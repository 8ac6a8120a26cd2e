"""A URLconf for the shell's own tests: the real pages plus a few that exercise the gate and the errors."""

from django.db import OperationalError
from django.http import HttpResponse
from django.urls import include, path

from backend.urls import handler400, handler403, handler404, handler500  # noqa: F401 (this URLconf's handlers)
from backend.web.access import page
from practice import roles


@page(roles={roles.ADMIN})
def admin_only_list(request):
    return HttpResponse(f"list for {request.membership.pk}")


@page(roles={roles.ADMIN})
def admin_only_object(request, pk):
    return HttpResponse(f"object {pk}")


@page(roles=roles.ALL_ROLES)
def broken(request):
    raise RuntimeError("secret traceback detail")


@page(roles=roles.ALL_ROLES)
def database_gone(request):
    raise OperationalError("server closed the connection unexpectedly")


urlpatterns = [
    path("", include("backend.urls")),
    path("test-gate/list/", admin_only_list),
    path("test-gate/object/<int:pk>/", admin_only_object),
    path("test-gate/broken/", broken),
    path("test-gate/database/", database_gone),
]
