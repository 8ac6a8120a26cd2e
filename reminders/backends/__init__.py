"""Delivery backends. Email goes through Django's own email backend; SMS through `sms.get_sms_backend()`."""
