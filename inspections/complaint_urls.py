"""URLs of workers' complaints, included in the "inspections" namespace by inspections/urls.py."""

from django.urls import path

from inspections import complaint_views as views

urlpatterns = [
    path("complaints/", views.ComplaintListView.as_view(), name="complaint_list"),
    path("complaints/new/", views.complaint_create, name="complaint_create"),
    path("complaints/<int:pk>/", views.complaint_detail, name="complaint_detail"),
    path("complaints/<int:pk>/triage/", views.complaint_triage, name="complaint_triage"),
    path("complaints/<int:pk>/resolve/", views.complaint_resolve, name="complaint_resolve"),
    path("complaints/<int:pk>/dismiss/", views.complaint_dismiss, name="complaint_dismiss"),
]
