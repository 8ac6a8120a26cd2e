import pytest
from django.conf import settings as django_settings

from reminders.backends.sms import LocmemSmsBackend


@pytest.fixture(autouse=True)
def _sms_in_memory(settings):
    settings.REMINDERS_SMS_BACKEND = "reminders.backends.sms.LocmemSmsBackend"
    LocmemSmsBackend.reset()
    _clear_rate_keys()
    yield
    LocmemSmsBackend.reset()


def _clear_rate_keys():
    import redis

    r = redis.Redis.from_url(django_settings.REDIS_URL)
    keys = r.keys("attune:reminders:sms-rate:*")
    if keys:
        r.delete(*keys)
