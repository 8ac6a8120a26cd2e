"""Writes for practices, people and care teams. Every service re-checks the actor.

One module per concern: access (the role check), practices, clients (and care teams), members (staff,
supervision, invitations), passwords (reset), mfa (second factor)."""
