"""Writes for intake. Every service re-checks its actor; multi-row writes are atomic.

A client acts either through their portal membership (`actor`) or through a signed link
(`actor=None`, `via_link=True`): the link names one packet and is the only credential then.
"""
