"""The public register, mounted at /register/: no login needed."""

from django.urls import path

from agencies import public_views

app_name = "register"

urlpatterns = [
    path("", public_views.index, name="index"),
    path("verify/", public_views.lookup, name="lookup"),
    path("verify/<str:token>/", public_views.verify, name="verify"),
]
