from django.urls import path

from agencies import views

app_name = "agencies"

urlpatterns = [
    path("", views.AgencyListView.as_view(), name="agency_list"),
    path("<int:pk>/", views.agency_detail, name="agency_detail"),
    path("<int:pk>/edit/", views.agency_edit, name="agency_edit"),
    path("<int:pk>/disable/", views.agency_disable, name="agency_disable"),
    path("<int:pk>/enable/", views.agency_enable, name="agency_enable"),
    # Applications
    path("applications/", views.ApplicationListView.as_view(), name="application_list"),
    path("applications/queue/", views.ApplicationQueueView.as_view(), name="application_queue"),
    path("applications/new/", views.application_start, name="application_start"),
    path("applications/<int:pk>/", views.application_detail, name="application_detail"),
    path("applications/<int:pk>/directors/", views.director_add, name="director_add"),
    path("applications/<int:pk>/directors/<int:director_pk>/remove/", views.director_remove, name="director_remove"),
    path("applications/<int:pk>/bond/", views.bond_record, name="bond_record"),
    path("applications/<int:pk>/documents/", views.document_upload, name="document_upload"),
    path("applications/<int:pk>/submit/", views.application_submit, name="application_submit"),
    path("applications/<int:pk>/resubmit/", views.application_resubmit, name="application_resubmit"),
    path("applications/<int:pk>/withdraw/", views.application_withdraw, name="application_withdraw"),
    path("applications/<int:pk>/start-review/", views.application_start_review, name="application_start_review"),
    path(
        "applications/<int:pk>/request-information/",
        views.application_request_information,
        name="application_request_information",
    ),
    path("applications/<int:pk>/approve/", views.application_approve, name="application_approve"),
    path("applications/<int:pk>/reject/", views.application_reject, name="application_reject"),
    path("documents/<int:pk>/", views.document_download, name="document_download"),
    path("documents/<int:pk>/review/", views.document_review, name="document_review"),
    # Licences
    path("licences/", views.LicenceListView.as_view(), name="licence_list"),
    path("licences/<int:pk>/", views.licence_detail, name="licence_detail"),
    path("licences/<int:pk>/certificate.pdf", views.licence_certificate, name="licence_certificate"),
    path("licences/<int:pk>/suspend/", views.licence_suspend, name="licence_suspend"),
    path("licences/<int:pk>/reinstate/", views.licence_reinstate, name="licence_reinstate"),
    path("licences/<int:pk>/revoke/", views.licence_revoke, name="licence_revoke"),
]
