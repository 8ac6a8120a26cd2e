from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from backend.api.health import healthz

# Each app adds its own `urls.py` here, under the one versioned prefix.
api_v1 = [
    path("", include("practice.urls")),
    path("", include("scheduling.urls")),
    path("", include("intake.urls")),
    path("", include("notes.urls")),
    path("", include("reminders.urls")),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/", include((api_v1, "v1"))),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("admin/", admin.site.urls),
    # Pages: each app's page_urls.py at /, in a namespace of its own (docs/webapp.md).
    path("", include("backend.web.page_urls", namespace="web")),
    path("", include("practice.page_urls", namespace="practice_pages")),
    path("", include("backend.portal.page_urls", namespace="portal_pages")),
]

handler400 = "backend.api.errors.bad_request"
handler403 = "backend.api.errors.permission_denied"
handler404 = "backend.api.errors.not_found"
handler500 = "backend.api.errors.server_error"
