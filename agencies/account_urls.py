from django.urls import path  # noqa: F401

app_name = "agency_account"

urlpatterns: list = []
