"""Production only tightens base: everything security-relevant is on and must come from the environment."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env

# Values shipped anywhere in this repository (settings defaults, the old compose defaults, examples): never real.
_KNOWN_PLACEHOLDERS = {
    "dev-insecure-key-change-me-0123456789abcdefghijklmnopqrstuvwxyz",
    "compose-only-secret-change-me-0123456789abcdefghijklmnop",
    "ZmRldi1vbmx5LWtleS1jaGFuZ2UtbWUtMDEyMzQ1Njc=",
    "BY6snI77A_NFKq36bWpM2V_6TdtDDIHWZBCn1ieRQHI=",
    "5g1cXt3n0IeXKm9CwX8Hq0qZbWbmYv3kq2yD0c1bE8Y=",
    "Zy8bUBB4RDqJ3hSvZV26NV0mbdsRfVQh1pLr0KK4qzc=",
    "xUBnDyr9lL0Yv3aCzL0mSe7hW2W8OQy9k0R1mJ8i2cM=",
}


def _refuse(name: str, why: str) -> None:
    raise ImproperlyConfigured(f"{name} {why}. Production settings refuse to start without a real {name}.")


def required_secret(name: str, *, min_length: int = 50) -> str:
    """A secret the environment must give: set, long enough, and not a placeholder from this repository."""
    value = env.str(name, default="").strip()
    if not value:
        _refuse(name, "is not set")
    if value in _KNOWN_PLACEHOLDERS or "change-me" in value or "insecure" in value:
        _refuse(name, "holds a placeholder value from the repository")
    if len(value) < min_length:
        _refuse(name, f"is shorter than {min_length} characters")
    return value


def required_fernet_keys(name: str) -> list[str]:
    """A comma-separated list of Fernet keys, newest first, none of them a placeholder."""
    from cryptography.fernet import Fernet

    keys = [k.strip() for k in env.list(name, default=[]) if k.strip()]
    if not keys:
        _refuse(name, "is not set (a comma-separated list of Fernet keys, newest first)")
    for key in keys:
        if key in _KNOWN_PLACEHOLDERS:
            _refuse(name, "holds a placeholder key from the repository")
        try:
            Fernet(key)
        except (ValueError, TypeError):
            _refuse(name, "holds a value that is not a Fernet key (make one: Fernet.generate_key())")
    return keys


DEBUG = False
SECRET_KEY = required_secret("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"
# A proxy in front (compose: none; real deployments: a load balancer) sets the client IP.
AXES_IPWARE_PROXY_COUNT = env.int("AXES_PROXY_COUNT", default=0)
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if AXES_IPWARE_PROXY_COUNT else ["REMOTE_ADDR"]
)

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
NOTES_ENCRYPTION_KEYS = required_fernet_keys("NOTES_ENCRYPTION_KEYS")  # clinical text
MFA_ENCRYPTION_KEYS = required_fernet_keys("MFA_ENCRYPTION_KEYS")  # second-factor secrets
if set(NOTES_ENCRYPTION_KEYS) & set(MFA_ENCRYPTION_KEYS):
    _refuse("MFA_ENCRYPTION_KEYS", "shares a key with NOTES_ENCRYPTION_KEYS (each needs keys of its own)")
# The demo practice (known passwords) only when a deployment asks for it: compose's one-off `seed-demo` service.
DEMO_DATA_ALLOWED = env.bool("ATTUNE_DEMO_DATA", default=False)
