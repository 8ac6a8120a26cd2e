"""HTTP endpoints for the schedule. Thin: validate, call a service or selector, render."""
