"""Token authentication that answers 401 for any Authorization header a client can send."""

import re

from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox.auth import TokenAuthentication
from rest_framework import exceptions

# knox tokens are hex (TOKEN_CHARACTER_LENGTH characters); anything else cannot be one.
_TOKEN = re.compile(rb"^[0-9a-fA-F]{1,256}$")


class SafeTokenAuthentication(TokenAuthentication):
    """knox's TokenAuthentication, except that a token that is not ASCII hex (bytes that are not UTF-8, a NUL
    that PostgreSQL refuses in a query, a character the header encoding cannot hold) is an invalid token, a 401,
    and never reaches `bytes.decode` or the database."""

    def authenticate(self, request):
        try:
            return super().authenticate(request)
        except UnicodeError as exc:  # a header str with characters beyond ISO-8859-1 (test clients only)
            raise exceptions.AuthenticationFailed("Invalid token.") from exc

    def authenticate_credentials(self, token):
        if not isinstance(token, bytes) or not _TOKEN.match(token):
            raise exceptions.AuthenticationFailed("Invalid token.")
        return super().authenticate_credentials(token)


class SafeTokenScheme(KnoxTokenScheme):
    """The OpenAPI security scheme stays knox's (`knoxApiToken`)."""

    target_class = "backend.api.authentication.SafeTokenAuthentication"
