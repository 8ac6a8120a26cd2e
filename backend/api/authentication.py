"""Token authentication that answers 401 for any Authorization header a client can send, in one query.

knox's own `TokenAuthentication` also reads every token of the user on every request to delete the expired
ones (`_cleanup_token`). Here the clean-up is a periodic task (practice.tasks.auth_tokens_expire_task, on the
beat every few minutes); a request only checks the expiry of the token it presents, in Python, so an expired
token is still refused on every request. The same query brings the user (select_related) and whether the
log-in gave the second factor (an EXISTS on practice.TokenSecondFactor, read by
practice.services.second_factor.token_second_factor_given), so an authenticated request costs the token and
the membership and nothing more.

Renewal (REST_KNOX AUTO_REFRESH) is knox's: the expiry is written at most once per MIN_REFRESH_INTERVAL
seconds per token (one UPDATE a minute for a busy token), not on every request.
"""

import binascii
import re
from functools import cache
from hmac import compare_digest

from django.db.models import Exists, OuterRef
from django.utils import timezone
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from knox.models import get_token_model
from knox.settings import CONSTANTS, knox_settings
from knox.signals import token_expired
from rest_framework import exceptions

from practice.models import TokenSecondFactor

# knox tokens are hex (TOKEN_CHARACTER_LENGTH characters); anything else cannot be one.
_TOKEN = re.compile(rb"^[0-9a-fA-F]{1,256}$")


@cache
def _tokens_with_user_and_second_factor():
    """Tokens with their user and a `second_factor_given` flag. Built once per process and only ever cloned by
    `.filter()` (never evaluated itself): resolving the EXISTS annotation again on every request was a third of
    the token lookup's CPU."""
    return (
        get_token_model()
        .objects.select_related("user")
        .annotate(second_factor_given=Exists(TokenSecondFactor.objects.filter(token_id=OuterRef("pk"))))
    )


def _token_candidates(token_key: str):
    """The tokens stored under this key (knox keeps a prefix of the token in clear), with their user and a
    `second_factor_given` flag, in one query."""
    return _tokens_with_user_and_second_factor().filter(token_key=token_key)


class SafeTokenAuthentication(TokenAuthentication):
    """knox's TokenAuthentication, except that a token that is not ASCII hex (bytes that are not UTF-8, a NUL
    that PostgreSQL refuses in a query, a character the header encoding cannot hold) is an invalid token, a 401,
    and never reaches `bytes.decode` or the database; and that it costs one query (see the module's text)."""

    def authenticate(self, request):
        try:
            return super().authenticate(request)
        except UnicodeError as exc:  # a header str with characters beyond ISO-8859-1 (test clients only)
            raise exceptions.AuthenticationFailed("Invalid token.") from exc

    def authenticate_credentials(self, token):
        if not isinstance(token, bytes) or not _TOKEN.match(token):
            raise exceptions.AuthenticationFailed("Invalid token.")
        text = token.decode("ascii")
        try:
            digest = hash_token(text)
        except (TypeError, binascii.Error) as exc:
            raise exceptions.AuthenticationFailed("Invalid token.") from exc
        for auth_token in _token_candidates(text[: CONSTANTS.TOKEN_KEY_LENGTH]):
            if not compare_digest(digest, auth_token.digest):
                continue
            if auth_token.expiry is not None and auth_token.expiry < timezone.now():
                # Refused, and deleted now rather than at the next clean-up (knox does the same).
                username = auth_token.user.get_username()
                auth_token.delete()
                token_expired.send(sender=self.__class__, username=username, source="auth_token")
                break
            if knox_settings.AUTO_REFRESH and auth_token.expiry:
                self.renew_token(auth_token)
            return self.validate_user(auth_token)
        raise exceptions.AuthenticationFailed("Invalid token.")


class SafeTokenScheme(KnoxTokenScheme):
    """The OpenAPI security scheme stays knox's (`knoxApiToken`)."""

    target_class = "backend.api.authentication.SafeTokenAuthentication"
