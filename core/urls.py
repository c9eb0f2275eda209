from django.urls import path

from core import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("my-work/", views.dashboard, name="dashboard"),
    path("account/", views.account, name="account"),
    path("account/login/", views.LoginView.as_view(), name="login"),
    path("account/logout/", views.LogoutView.as_view(), name="logout"),
    path("account/two-step/", views.two_factor_setup, name="two_factor_setup"),
    path("account/two-step/verify/", views.two_factor_verify, name="two_factor_verify"),
    path("account/two-step/backup-codes/", views.two_factor_backup_codes, name="two_factor_backup_codes"),
    path("account/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("account/password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("account/password-reset/sent/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("account/password-reset/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("account/password-reset/complete/", views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("language/", views.set_language, name="set_language"),
    path("users/", views.UserListView.as_view(), name="user_list"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<int:pk>/", views.user_detail, name="user_detail"),
    path("users/<int:pk>/edit/", views.user_edit, name="user_edit"),
    path("users/<int:pk>/two-step-reset/", views.user_two_factor_reset, name="user_two_factor_reset"),
    path("parameters/", views.ParameterListView.as_view(), name="parameter_list"),
    path("parameters/<str:key>/", views.parameter_detail, name="parameter_detail"),
    path("parameters/<str:key>/new/", views.parameter_add, name="parameter_add"),
    path("healthz", views.healthz, name="healthz"),
]
