from django.urls import path

from predeparture import views

app_name = "predeparture"

urlpatterns = [
    path("courses/", views.course_list, name="course_list"),
    path("courses/new/", views.course_create, name="course_create"),
    path("courses/<int:pk>/edit/", views.course_edit, name="course_edit"),
    path("sessions/", views.session_list, name="session_list"),
    path("sessions/calendar/", views.session_calendar, name="session_calendar"),
    path("sessions/new/", views.session_create, name="session_create"),
    path("sessions/<int:pk>/", views.session_detail, name="session_detail"),
    path("sessions/<int:pk>/edit/", views.session_edit, name="session_edit"),
    path("sessions/<int:pk>/attendance/", views.session_attendance, name="session_attendance"),
    path("sessions/<int:pk>/enrol/", views.enrol, name="enrol"),
    path("sessions/<int:pk>/start/", views.session_start, name="session_start"),
    path("sessions/<int:pk>/complete/", views.session_complete, name="session_complete"),
    path("sessions/<int:pk>/cancel/", views.session_cancel, name="session_cancel"),
    path("enrolments/<int:pk>/withdraw/", views.enrolment_withdraw, name="enrolment_withdraw"),
    path("certificates/<int:pk>/pdf/", views.certificate_pdf, name="certificate_pdf"),
    # Public: no login, rate-limited.
    path("verify/", views.lookup, name="lookup"),
    # A token is URL-safe base64: anything else (a NUL byte, which PostgreSQL refuses to compare) is a 404 here.
    path("verify/<slug:token>/", views.verify, name="verify"),
]
