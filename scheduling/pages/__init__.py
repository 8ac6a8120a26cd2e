"""The schedule's pages (the front desk's day): calendar, booking, free times, series, an appointment's page.

Thin like the API views in scheduling/apis/: read a form, call the selector or service the API calls, render.
"""
