from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("texts/", views.SmsTemplateListView.as_view(), name="template_list"),
    path("texts/<int:pk>/", views.template_edit, name="template_edit"),
]
