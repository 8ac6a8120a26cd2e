"""Developer machine and the embedded `make run`."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.filebased.EmailBackend")
NOTES_ENCRYPTION_KEYS = env.list("NOTES_ENCRYPTION_KEYS", default=["BY6snI77A_NFKq36bWpM2V_6TdtDDIHWZBCn1ieRQHI="])
MFA_ENCRYPTION_KEYS = env.list("MFA_ENCRYPTION_KEYS", default=["Zy8bUBB4RDqJ3hSvZV26NV0mbdsRfVQh1pLr0KK4qzc="])
