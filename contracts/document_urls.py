"""The paths of a contract's papers; contracts/urls.py adds them to the "contracts" namespace."""

from django.urls import path

from contracts import document_views

urlpatterns = [
    path("<int:pk>/contract.pdf", document_views.contract_pdf, name="contract_pdf"),
    path("<int:pk>/clearance.pdf", document_views.clearance_pdf, name="clearance_pdf"),
    path("<int:pk>/signed-copy/", document_views.signed_copy, name="signed_copy"),
]
