"""The two ways a hand-off to a provider can fail, as the send task needs to know them."""


class SendError(Exception):
    pass


class TransientSendError(SendError):
    """Try again later: timeouts, connection resets, 5xx from the provider, our own rate limit."""


class PermanentSendError(SendError):
    """Trying again cannot help: invalid address or number, unsubscribed, refused by the provider."""


class RateLimited(TransientSendError):
    """The practice's SMS budget for the current window is spent."""
