from django.urls import path

from contracts import views

app_name = "contracts"

urlpatterns = [
    # Agreements and their dated terms.
    path("agreements/", views.agreement_list, name="agreement_list"),
    path("agreements/new/", views.agreement_create, name="agreement_create"),
    path("agreements/<int:pk>/", views.agreement_detail, name="agreement_detail"),
    path("agreements/<int:pk>/edit/", views.agreement_edit, name="agreement_edit"),
    path("agreements/<int:pk>/terms/new/", views.terms_create, name="terms_create"),
    path("agreements/<int:pk>/in-force/", views.agreement_status, {"action": "bring_into_force"}, name="agreement_in_force"),
    path("agreements/<int:pk>/suspend/", views.agreement_status, {"action": "suspend"}, name="agreement_suspend"),
    path("agreements/<int:pk>/expire/", views.agreement_status, {"action": "expire"}, name="agreement_expire"),
    path("terms/<int:pk>/edit/", views.terms_edit, name="terms_edit"),
    # Foreign employers.
    path("employers/", views.EmployerListView.as_view(), name="employer_list"),
    path("employers/new/", views.employer_create, name="employer_create"),
    path("employers/<int:pk>/", views.employer_detail, name="employer_detail"),
    path("employers/<int:pk>/edit/", views.employer_edit, name="employer_edit"),
    path("employers/<int:pk>/blacklist/", views.employer_blacklist, {"action": "add"}, name="employer_blacklist"),
    path("employers/<int:pk>/lift-blacklist/", views.employer_blacklist, {"action": "lift"}, name="employer_lift_blacklist"),
    # Job orders.
    path("job-orders/", views.JobOrderListView.as_view(), name="job_order_list"),
    path("job-orders/new/", views.job_order_create, name="job_order_create"),
    path("job-orders/<int:pk>/", views.job_order_detail, name="job_order_detail"),
    path("job-orders/<int:pk>/demand-letter/", views.demand_letter, name="demand_letter"),
    path("job-orders/<int:pk>/withdraw/", views.job_order_withdraw, name="job_order_withdraw"),
    path("job-orders/<int:pk>/approve/", views.job_order_decide, {"decision": "approve"}, name="job_order_approve"),
    path("job-orders/<int:pk>/reject/", views.job_order_decide, {"decision": "reject"}, name="job_order_reject"),
    # Contracts.
    path("", views.ContractListView.as_view(), name="contract_list"),
    path("new/", views.contract_create, name="contract_create"),
    path("training-needed/", views.training_needed, name="training_needed"),
    path("<int:pk>/", views.contract_detail, name="contract_detail"),
    path("<int:pk>/edit/", views.contract_edit, name="contract_edit"),
    path("<int:pk>/submit/", views.contract_submit, name="contract_submit"),
    path("<int:pk>/recheck/", views.contract_recheck, name="contract_recheck"),
    path("<int:pk>/clearance/", views.contract_clear, name="contract_clear"),
    path("<int:pk>/departure/", views.contract_depart, name="contract_depart"),
    path("<int:pk>/return/", views.contract_return, name="contract_return"),
    path("<int:pk>/cancel/", views.contract_cancel, name="contract_cancel"),
    path("<int:pk>/signed-copy/upload/", views.contract_upload, name="contract_upload"),
    path("<int:pk>/approve/", views.contract_decide, {"decision": "approve"}, name="contract_approve"),
    path("<int:pk>/return-for-correction/", views.contract_decide, {"decision": "return"}, name="contract_return_for_correction"),
    path("<int:pk>/reject/", views.contract_decide, {"decision": "reject"}, name="contract_reject"),
]

from contracts.document_urls import urlpatterns as document_urlpatterns  # noqa: E402

urlpatterns += document_urlpatterns
