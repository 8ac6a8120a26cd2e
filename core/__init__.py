"""The lowest layer: what every app may use and nothing of the web or of an app.

Domain exceptions (errors), the retry of contended transactions (contention), field encryption at rest
(fields), fixed-window counters (ratelimit), the request's context for the audit trail (request_context) and
a lookup that answers a malformed id like a missing one (lookups). core imports Django and the standard
library only: never rest_framework, never backend or an app (an import contract in pyproject.toml).
"""
