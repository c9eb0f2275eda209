from django.urls import path

from contracts import public_views

app_name = "clearance"

# Public: no login, rate-limited. Included at /clearance/.
urlpatterns = [
    path("verify/", public_views.lookup, name="lookup"),
    path("verify/<str:token>/", public_views.verify, name="verify"),
]
