"""The test suite: real PostgreSQL and Redis, fast hashing, mail kept in memory."""

from .base import *  # noqa: F403
from .base import REST_FRAMEWORK, env

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tests share the machine's Redis with developers: use a database of their own.
REDIS_URL = env("TEST_REDIS_URL", default="redis://localhost:6379/15")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "attune-test",
    }
}
CELERY_BROKER_URL = env("TEST_CELERY_BROKER_URL", default=REDIS_URL)
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon_auth": "1000/min", "public_link": "1000/min"}}
NOTES_ENCRYPTION_KEYS = env.list("NOTES_ENCRYPTION_KEYS", default=["5g1cXt3n0IeXKm9CwX8Hq0qZbWbmYv3kq2yD0c1bE8Y="])
MFA_ENCRYPTION_KEYS = env.list("MFA_ENCRYPTION_KEYS", default=["xUBnDyr9lL0Yv3aCzL0mSe7hW2W8OQy9k0R1mJ8i2cM="])
