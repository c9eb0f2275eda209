from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("texts/", views.SmsTemplateListView.as_view(), name="template_list"),
    path("texts/<int:pk>/", views.template_edit, name="template_edit"),
    path("outbox/", views.OutboxListView.as_view(), name="outbox"),
    path("outbox/<int:pk>/", views.outbox_message, name="outbox_message"),
    path("outbox/<int:pk>/check/", views.outbox_check, name="outbox_check"),
    path("outbox/<int:pk>/send-again/", views.outbox_send_again, name="outbox_send_again"),
    path("inbound/", views.InboundListView.as_view(), name="inbound"),
    path("rates/", views.delivery_rates, name="delivery_rates"),
    path("failed-numbers/", views.FailedNumberListView.as_view(), name="failed_numbers"),
    path("failed-numbers/<int:pk>/clear/", views.failed_clear, name="failed_clear"),
    path("workers/<int:worker_id>/opt-out-or-in/", views.worker_opt_out, name="worker_opt_out"),
]
