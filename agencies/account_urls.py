from django.urls import path

from agencies import account_views as views

app_name = "agency_account"

urlpatterns = [
    path("sign-up/", views.signup, name="signup"),
    path("sign-up/check-your-email/", views.signup_done, name="signup_done"),
    path("confirm/<str:token>/", views.verify, name="verify"),
    path("confirm-again/", views.resend, name="resend"),
    path("staff/", views.staff, name="staff"),
    path("staff/<int:pk>/remove/", views.staff_remove, name="staff_remove"),
]
