from django.urls import path

from inspections import views
from inspections.complaint_urls import urlpatterns as complaint_urlpatterns

app_name = "inspections"

urlpatterns = [
    path("risk/", views.risk_ranking, name="risk_ranking"),
    # Plans: a proposal until the chief inspector confirms it.
    path("plans/", views.plan_list, name="plan_list"),
    path("plans/new/", views.plan_create, name="plan_create"),
    path("plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/confirm/", views.plan_confirm, name="plan_confirm"),
    path("plans/<int:pk>/discard/", views.plan_discard, name="plan_discard"),
    path("plan-items/<int:pk>/change/", views.plan_item_change, name="plan_item_change"),
    path("plan-items/<int:pk>/remove/", views.plan_item_remove, name="plan_item_remove"),
    # Audits.
    path("audits/", views.AuditListView.as_view(), name="audit_list"),
    path("findings/", views.FindingListView.as_view(), name="finding_list"),
    path("corrective-actions/", views.CorrectiveActionListView.as_view(), name="action_list"),
    path("audits/new/", views.audit_create, name="audit_create"),
    path("audits/<int:pk>/", views.audit_detail, name="audit_detail"),
    path("audits/<int:pk>/schedule/", views.audit_schedule, name="audit_schedule"),
    path("audits/<int:pk>/start/", views.audit_start, name="audit_start"),
    path("audits/<int:pk>/cancel/", views.audit_cancel, name="audit_cancel"),
    path("audits/<int:pk>/checklist/", views.audit_checklist, name="audit_checklist"),
    path("audits/<int:pk>/review/", views.audit_review, name="audit_review"),
    path("audits/<int:pk>/send-back/", views.audit_send_back, name="audit_send_back"),
    path("audits/<int:pk>/close/", views.audit_close, name="audit_close"),
    path("audits/<int:pk>/recommend/", views.audit_recommend, name="audit_recommend"),
    path("answers/<int:pk>/evidence/", views.evidence_upload, name="evidence_upload"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence_download"),
    # Corrective actions.
    path("actions/", views.my_actions, name="my_actions"),
    path("actions/<int:pk>/respond/", views.action_respond, name="action_respond"),
    path("actions/<int:pk>/accept/", views.action_decide, {"decision": "accept"}, name="action_accept"),
    path("actions/<int:pk>/reject/", views.action_decide, {"decision": "reject"}, name="action_reject"),
    # Sanction recommendations, decided by licensing officers.
    path("recommendations/", views.recommendation_list, name="recommendation_list"),
    path("recommendations/<int:pk>/accept/", views.recommendation_decide, {"decision": "accept"}, name="recommendation_accept"),
    path(
        "recommendations/<int:pk>/decline/", views.recommendation_decide, {"decision": "decline"}, name="recommendation_decline"
    ),
    # Inspectors' availability.
    path("availability/", views.availability, name="my_availability"),
    path("inspectors/", views.inspector_list, name="inspector_list"),
    path("inspectors/<int:pk>/availability/", views.availability, name="inspector_availability"),
    path("inspectors/<int:pk>/profile/", views.inspector_profile, name="inspector_profile"),
    path("holidays/", views.holiday_list, name="holiday_list"),
    path("holidays/<int:pk>/remove/", views.holiday_remove, name="holiday_remove"),
    # Workers' complaints (inspections/complaint_views.py).
    *complaint_urlpatterns,
]
