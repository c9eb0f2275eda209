from django.urls import path

from workers import import_views, views

app_name = "workers"

urlpatterns = [
    path("", views.WorkerListView.as_view(), name="worker_list"),
    path("register/", views.worker_register, name="worker_register"),
    path("claim/", views.worker_claim, name="worker_claim"),
    path("<int:pk>/", views.worker_detail, name="worker_detail"),
    path("<int:pk>/edit/", views.worker_edit, name="worker_edit"),
    path("<int:pk>/consent/", views.worker_consent, name="worker_consent"),
    path("links/<int:pk>/end/", views.link_end, name="link_end"),
    path("import/", import_views.import_start, name="import_start"),
    path("import/<int:pk>/", import_views.import_detail, name="import_detail"),
    path("import/<int:pk>/confirm/", import_views.import_confirm, name="import_confirm"),
    path("import/<int:pk>/problems.csv", import_views.import_problems, name="import_problems"),
    path("imports/", import_views.ImportListView.as_view(), name="import_list"),
]
