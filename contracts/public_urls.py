from django.urls import path

from contracts import public_views

app_name = "clearance"

# Public: no login, rate-limited. Included at /clearance/.
urlpatterns = [
    path("verify/", public_views.lookup, name="lookup"),
    # A token is URL-safe base64: anything else (a NUL byte, which PostgreSQL refuses to compare) is a 404 here.
    path("verify/<slug:token>/", public_views.verify, name="verify"),
]
