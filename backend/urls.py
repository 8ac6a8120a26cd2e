from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from backend.api.health import healthz
from backend.api.index import ApiIndexView

# Each app adds its own `urls.py` here, under the one versioned prefix.
api_v1 = [
    path("", ApiIndexView.as_view(), name="api-index"),
    path("", include("practice.urls")),
    path("", include("scheduling.urls")),
    path("", include("intake.urls")),
    path("", include("notes.urls")),
    path("", include("reminders.urls")),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/", include((api_v1, "v1"))),  # type: ignore[arg-type]  # a list of includes, as Django allows
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("admin/", admin.site.urls),
    # Pages: each app's page_urls.py at /, in a namespace of its own (docs/webapp.md).
    path("", include("backend.web.page_urls", namespace="web")),
    path("", include("practice.page_urls", namespace="practice_pages")),
    path("", include("notes.page_urls", namespace="notes_pages")),
    path("", include("scheduling.page_urls", namespace="scheduling_pages")),
    path("", include("intake.page_urls", namespace="intake_pages")),
    path("", include("backend.portal.page_urls", namespace="portal_pages")),
]

handler400 = "backend.api.errors.bad_request"
handler403 = "backend.api.errors.permission_denied"
handler404 = "backend.api.errors.not_found"
handler500 = "backend.api.errors.server_error"
