from django.urls import include, path

urlpatterns = [
    path("", include("core.urls")),
    path("sms/", include("notifications.urls")),
    # The SMS provider's webhooks (delivery receipts, inbound messages): no login, signed.
    path("sms/", include("notifications.webhook_urls")),
    path("agencies/", include("agencies.urls")),
    path("workers/", include("workers.urls")),
    path("training/", include("predeparture.urls")),
    path("contracts/", include("contracts.urls")),
    path("inspections/", include("inspections.urls")),
    path("reports/", include("reports.urls")),
    # Deployment clearance verification for border officials: no login.
    path("clearance/", include("contracts.public_urls")),
    # Agency sign-up and staff management.
    path("agency-account/", include("agencies.account_urls")),
    # The public register of licensed agencies and licence verification: no login.
    path("register/", include("agencies.public_urls")),
]
