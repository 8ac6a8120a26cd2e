from django.urls import path
from rest_framework.routers import SimpleRouter

from reminders import apis

router = SimpleRouter()
router.register("reminders", apis.OutboundMessageViewSet, basename="reminder")

urlpatterns = [
    path("reminder-policy/", apis.ReminderPolicyView.as_view(), name="reminder-policy"),
    *router.urls,
]
