"""Input and output shapes for the schedule, one module per concern. Clients get their own, narrower outputs."""
