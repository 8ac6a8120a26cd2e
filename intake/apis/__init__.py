"""HTTP endpoints for intake, by what they serve: forms, packets (and schedules), responses (and flags,
scores), the client's signed links. Thin: validate, call a service or selector, render."""
