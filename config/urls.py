from django.urls import include, path

urlpatterns = [
    path("", include("core.urls")),
    path("sms/", include("notifications.urls")),
    path("agencies/", include("agencies.urls")),
]
