from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The API's shared parts (backend/api/). Its one job at start-up: every model serializer's date and
    date-time fields are the bounded ones (backend/api/fields.py), so no input date escapes the range."""

    name = "backend.api"
    label = "attune_api"

    def ready(self) -> None:
        from django.db import models
        from rest_framework import serializers

        # imported in ready(): other modules load once the app registry is ready (Django's rule for AppConfig)
        from backend.api.fields import BoundedDateField, BoundedDateTimeField

        mapping = serializers.ModelSerializer.serializer_field_mapping
        mapping[models.DateField] = BoundedDateField
        mapping[models.DateTimeField] = BoundedDateTimeField
