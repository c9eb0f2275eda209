"""The public register, mounted at /register/: no login needed."""

from django.urls import path

from agencies import public_views

app_name = "register"

urlpatterns = [
    path("", public_views.index, name="index"),
    path("verify/", public_views.lookup, name="lookup"),
    # A token is URL-safe base64: anything else (a NUL byte, which PostgreSQL refuses to compare) is a 404 here.
    path("verify/<slug:token>/", public_views.verify, name="verify"),
]
