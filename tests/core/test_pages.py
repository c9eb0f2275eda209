"""Dashboard, navigation, language switch, error pages, CSRF and health."""

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from core import access, registry
from core.access import Role

pytestmark = pytest.mark.django_db


def test_every_role_has_a_dashboard_with_its_own_panels(cast, client):
    for role, user in cast.by_role().items():
        if user is None:
            continue
        client.force_login(user)
        access.forget_roles(user)
        response = client.get(reverse("core:dashboard"))
        assert response.status_code == 200, role
        shown = {item["panel"].key for item in response.context["panels"]}
        expected = {panel.key for panel in registry.PANELS if access.can(user, panel.capability)}
        assert shown == expected, role
    client.force_login(cast.agency_staff)
    assert "Agency A" in client.get(reverse("core:dashboard")).content.decode()


def test_navigation_shows_only_what_the_role_may_open(cast, client):
    client.force_login(cast.analyst)
    body = client.get(reverse("core:dashboard")).content.decode()
    assert reverse("core:parameter_list") in body
    assert reverse("core:user_list") not in body
    client.force_login(cast.administrator)
    assert reverse("core:user_list") in client.get(reverse("core:dashboard")).content.decode()


def test_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get(reverse("core:dashboard"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("core:login"))


def test_language_switch_shows_sesotho(cast, client):
    client.force_login(cast.registrar)
    client.post(reverse("core:set_language"), {"language": "st", "next": reverse("core:dashboard")})
    body = client.get(reverse("core:dashboard")).content.decode()
    assert 'lang="st"' in body
    assert "Lekala la Mesebetsi le Khiro" in body
    cast.registrar.refresh_from_db()
    assert cast.registrar.preferred_language == "st"


def test_language_switch_works_for_visitors_too(client, db):
    client.post(reverse("core:set_language"), {"language": "st", "next": "/"})
    assert 'lang="st"' in client.get(reverse("core:login")).content.decode()


def test_not_found_page_is_in_the_sites_design(client, db, settings):
    settings.DEBUG = False
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    assert "Ministry of Labour and Employment" in response.content.decode()


def test_forbidden_page_is_in_the_sites_design(cast, client):
    client.force_login(cast.analyst)
    response = client.get(reverse("core:user_list"))
    assert response.status_code == 403
    assert "You may not open this page" in response.content.decode()


def test_a_failing_page_shows_the_500_page_and_logs_the_error(cast, monkeypatch, caplog):
    def broken(request):
        raise RuntimeError("boom")

    monkeypatch.setattr("core.registry.panels_for", broken)
    client = Client(raise_request_exception=False)
    client.force_login(cast.registrar)
    response = client.get(reverse("core:dashboard"))
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()
    assert any("boom" in str(record.exc_info) for record in caplog.records if record.exc_info)


def test_forms_need_the_csrf_token(cast):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.administrator)
    response = client.post(reverse("core:parameter_add", args=["licence.fee"]), {"value": "1", "effective_from": "2030-01-01"})
    assert response.status_code == 403
    assert "The form has expired" in response.content.decode()


def test_every_page_form_carries_a_csrf_token(cast, client):
    client.force_login(cast.administrator)
    for url in (reverse("core:user_create"), reverse("core:parameter_add", args=["licence.fee"]), reverse("core:dashboard")):
        body = client.get(url).content.decode()
        assert body.count("<form") == body.count("csrfmiddlewaretoken") + body.count('method="get"'), url


def test_pages_have_landmarks_and_labels(cast, client):
    client.force_login(cast.administrator)
    body = client.get(reverse("core:user_create")).content.decode()
    for landmark in ("<header", "<main", "<nav", "<footer", 'class="skip-link"'):
        assert landmark in body
    assert '<label for="id_username">' in body


def test_healthz_reports_database_and_tasks(client, db):
    response = client.get(reverse("core:healthz"))
    assert response.status_code == 200
    assert response.json()["database"] == "ok"
    assert "tasks" in response.json()


def test_healthz_answers_503_when_the_database_is_unreachable(client, db, monkeypatch):
    def unreachable(*args, **kwargs):
        raise connection.Database.OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", unreachable)
    response = client.get(reverse("core:healthz"))
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


def test_static_files_are_served_locally(client, db):
    body = client.get(reverse("core:login")).content.decode()
    assert "/static/core/site.css" in body
    assert "http" not in body.split("<link", 1)[1].split(">", 1)[0]


def test_record_page_shows_history_only_to_those_who_may_read_it(cast, client):
    client.force_login(cast.agency_staff)
    body = client.get(reverse("agencies:agency_detail", args=[cast.agency_a.pk])).content.decode()
    assert "History" not in body
    client.force_login(cast.licensing_officer)
    body = client.get(reverse("agencies:agency_detail", args=[cast.agency_a.pk])).content.decode()
    assert "History" in body


def test_roles_are_created_by_migration():
    from django.contrib.auth.models import Group

    assert set(Group.objects.values_list("name", flat=True)) >= set(Role.values)
