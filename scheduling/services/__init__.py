"""Every write to the schedule goes through these modules (a reminders outbox hooks into them)."""
