"""The provider's webhooks: public (no login) but signed, mounted at /sms/."""

from django.urls import path

from notifications import webhooks

app_name = "sms"

urlpatterns = [
    path("twilio/status/", webhooks.twilio_status, name="twilio_status"),
    path("twilio/inbound/", webhooks.twilio_inbound, name="twilio_inbound"),
]
