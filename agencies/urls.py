from django.urls import path

from agencies import views

app_name = "agencies"

urlpatterns = [
    path("", views.AgencyListView.as_view(), name="agency_list"),
    path("<int:pk>/", views.agency_detail, name="agency_detail"),
    path("<int:pk>/disable/", views.agency_disable, name="agency_disable"),
    path("<int:pk>/enable/", views.agency_enable, name="agency_enable"),
]
