"""The report pages: ask for a report, watch it, download it, see the list and the figures; who may; bad input."""

import datetime
import io
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from contracts.models import Agreement
from reports import services
from reports.forms import last_full_quarter
from reports.models import GeneratedReport, ReportStatus
from tests.reports.conftest import END, START, place_contract

pytestmark = pytest.mark.django_db


@pytest.fixture
def deployed(setting):
    """Two contracts in the period, one deployed, with a worker whose details must never leave in a report."""
    worker_contract = place_contract(
        setting, status="deployed", submitted=START, approved=START, cleared=START, departed=START + datetime.timedelta(days=3)
    )
    place_contract(setting, status="submitted", submitted=END)
    return worker_contract


def _ask(client, setting, report_format="pdf", **overrides):
    data = {"agreement": setting["agreement"].pk, "start": START.isoformat(), "end": END.isoformat(), "format": report_format}
    return client.post(reverse("reports:report_new"), data | overrides)


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_form_offers_the_last_full_quarter_and_every_agreement(client, cast, setting):
    client.force_login(cast.analyst)
    response = client.get(reverse("reports:report_new"))
    assert response.status_code == 200
    start, end = last_full_quarter()
    assert response.context["form"]["start"].value() == start and response.context["form"]["end"].value() == end
    assert (end + datetime.timedelta(days=1)).month in (1, 4, 7, 10) and start.day == 1
    assert setting["agreement"].reference in response.content.decode()


def test_last_full_quarter():
    assert last_full_quarter(datetime.date(2026, 5, 17)) == (datetime.date(2026, 1, 1), datetime.date(2026, 3, 31))
    assert last_full_quarter(datetime.date(2026, 1, 1)) == (datetime.date(2025, 10, 1), datetime.date(2025, 12, 31))


def test_analyst_generates_a_pdf_watches_it_and_downloads_it(client, cast, setting, deployed, django_capture_on_commit_callbacks):
    client.force_login(cast.analyst)
    with django_capture_on_commit_callbacks(execute=False) as kicks:
        response = _ask(client, setting)
    report = GeneratedReport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("reports:report_detail", args=[report.pk])
    assert (report.requested_by, report.agreement, report.start, report.end, report.format) == (
        cast.analyst,
        setting["agreement"],
        START,
        END,
        "pdf",
    )

    # Not started until the request is committed: the page says so and refreshes itself.
    assert report.status == ReportStatus.QUEUED and len(kicks) == 1
    page = client.get(response["Location"]).content.decode()
    assert 'http-equiv="refresh"' in page and "<progress" in page
    assert client.get(reverse("reports:report_download", args=[report.pk])).status_code == 404

    kicks[0]()  # the commit: the (immediate) task runs
    report.refresh_from_db()
    assert (report.status, report.progress) == (ReportStatus.DONE, 100) and report.finished_at
    page = client.get(response["Location"]).content.decode()
    assert 'http-equiv="refresh"' not in page
    assert reverse("reports:report_download", args=[report.pk]) in page

    download = client.get(reverse("reports:report_download", args=[report.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert f'filename="compliance-{setting["agreement"].reference}-{START}-{END}.pdf"' in download["Content-Disposition"]
    text = _pdf_text(b"".join(download.streaming_content))
    assert setting["agreement"].reference in text and "Page 1 of" in text
    assert cast.analyst.get_full_name() or cast.analyst.username in text


def test_each_format_downloads_and_carries_no_personal_detail(
    client, cast, setting, deployed, django_capture_on_commit_callbacks
):
    worker = deployed.worker
    personal = [worker.national_id, worker.passport_number, worker.last_name, str(worker.mobile)[-8:]]
    client.force_login(cast.analyst)
    contents = {}
    for report_format in ("pdf", "csv", "xlsx"):
        with django_capture_on_commit_callbacks(execute=True):
            _ask(client, setting, report_format)
        report = GeneratedReport.objects.filter(format=report_format).get()
        assert report.status == ReportStatus.DONE, report.message
        contents[report_format] = b"".join(client.get(reverse("reports:report_download", args=[report.pk])).streaming_content)
    texts = {"pdf": _pdf_text(contents["pdf"])}
    with zipfile.ZipFile(io.BytesIO(contents["csv"])) as archive:
        texts["csv"] = "\n".join(archive.read(name).decode("utf-8-sig") for name in archive.namelist())
    workbook = load_workbook(io.BytesIO(contents["xlsx"]), read_only=True)
    texts["xlsx"] = "\n".join(str(value) for sheet in workbook for row in sheet.iter_rows(values_only=True) for value in row)
    for report_format, text in texts.items():
        assert setting["agreement"].reference in text, report_format
        for detail in personal:
            assert detail not in text, (report_format, detail)
        assert cast.analyst.username not in text or report_format == "pdf"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"start": END.isoformat(), "end": START.isoformat()}, "ends before it starts"),
        ({"start": "2999-01-01", "end": "2999-03-31"}, "future"),
        ({"start": "31/03/2026"}, "Enter a valid date"),
        ({"agreement": "999999"}, "Select a valid choice"),
        ({"format": "docx"}, "Select a valid choice"),
        ({"end": ""}, "required"),
    ],
)
def test_bad_input_shows_the_form_with_errors(client, cast, setting, overrides, message):
    client.force_login(cast.analyst)
    response = _ask(client, setting, **overrides)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not GeneratedReport.objects.exists()


def test_draft_agreement_and_all_agreements_may_be_asked_for(client, cast, setting, django_capture_on_commit_callbacks):
    client.force_login(cast.registrar)
    with django_capture_on_commit_callbacks(execute=True):
        response = _ask(client, setting, agreement="")
    report = GeneratedReport.objects.get()
    assert response.status_code == 302 and report.agreement is None and report.status == ReportStatus.DONE
    assert report.download_name == f"compliance-all-agreements-{START}-{END}.pdf"


def test_a_failure_is_recorded_in_words_and_leaves_no_file(
    client, cast, setting, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "render", broken)
    client.force_login(cast.analyst)
    with django_capture_on_commit_callbacks(execute=True):
        _ask(client, setting)
    report = GeneratedReport.objects.get()
    assert report.status == ReportStatus.FAILED and not report.file
    page = client.get(reverse("reports:report_detail", args=[report.pk])).content.decode()
    assert "could not be prepared" in page and "disk full" not in page
    assert client.get(reverse("reports:report_download", args=[report.pk])).status_code == 404


def test_a_report_is_generated_once_however_often_it_is_kicked(cast, setting, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        report = services.request_report(
            by=cast.analyst, agreement_reference=setting["agreement"].reference, start=START, end=END, report_format="csv"
        )
    report.refresh_from_db()
    name = report.file.name
    assert services.generate_report(report.pk) == "not waiting"
    report.refresh_from_db()
    assert report.file.name == name


def test_sweeper_restarts_a_report_whose_kick_was_lost(cast, setting):
    from django.utils import timezone

    report = GeneratedReport.objects.create(
        agreement=setting["agreement"],
        start=START,
        end=END,
        requested_by=cast.analyst,
        requested_at=timezone.now() - datetime.timedelta(hours=1),
    )
    fresh = GeneratedReport.objects.create(agreement=setting["agreement"], start=START, end=END, requested_by=cast.analyst)
    services.sweep_reports()
    report.refresh_from_db()
    fresh.refresh_from_db()
    assert report.status == ReportStatus.DONE and fresh.status == ReportStatus.QUEUED


def test_list_shows_parameters_who_and_status_in_constant_queries(client, cast, setting, django_assert_max_num_queries):
    for _ in range(3):
        GeneratedReport.objects.create(agreement=setting["agreement"], start=START, end=END, requested_by=cast.registrar)
    client.force_login(cast.analyst)
    url = reverse("reports:report_list")
    client.get(url)
    with django_assert_max_num_queries(12):
        response = client.get(url)
    page = response.content.decode()
    assert page.count(setting["agreement"].reference) >= 3 and f"{START:%Y-%m-%d}" in page
    for _ in range(10):
        GeneratedReport.objects.create(agreement=None, start=START, end=END, requested_by=cast.analyst)
    with django_assert_max_num_queries(12):
        client.get(url)


def test_agency_staff_reach_no_report_page(client, cast, setting, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        report = services.request_report(by=cast.analyst, agreement_reference=None, start=START, end=END, report_format="pdf")
    client.force_login(cast.agency_staff)
    urls = [
        reverse("reports:report_list"),
        reverse("reports:report_new"),
        reverse("reports:figures"),
        reverse("reports:report_detail", args=[report.pk]),
        reverse("reports:report_download", args=[report.pk]),
        reverse("reports:figures") + f"?start={START}&end={END}",
    ]
    for url in urls:
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("reports:report_new"), {"start": START, "end": END, "format": "pdf"}).status_code == 403
    assert GeneratedReport.objects.count() == 1
    # Should the capability ever be granted by mistake, the queryset still hides every report from an agency.
    assert not GeneratedReport.objects.visible_to(cast.agency_staff).exists()


def test_figures_on_screen_match_the_report(client, cast, setting, deployed):
    from reports.figures import compute_figures
    from reports.formatting import format_value

    client.force_login(cast.analyst)
    response = client.get(reverse("reports:figures"), {"agreement": setting["agreement"].pk, "start": START, "end": END})
    assert response.status_code == 200
    page = response.content.decode()
    figures = compute_figures(agreement_id=setting["agreement"].pk, start=START, end=END)
    for figure in figures.headline:
        assert figure.label.replace("'", "&#x27;") in page
        assert format_value(figure.value, figure.unit) in page
    assert client.get(reverse("reports:figures"), {"start": END, "end": START}).status_code == 400
    assert client.get(reverse("reports:figures")).status_code == 200


def test_dashboard_shows_each_agreement_in_force_with_trends(client, cast, setting, deployed, django_assert_max_num_queries):
    from reports.figures import compute_figures

    client.force_login(cast.analyst)
    response = client.get(reverse("core:dashboard"))
    page = response.content.decode()
    agreement = setting["agreement"]
    assert agreement.reference in page and "<svg" in page and "<script" not in page
    panel = next(item for item in response.context["panels"] if item["panel"].key == "reports.agreements")
    entry = panel["context"]["agreements"][0]
    start, end = panel["context"]["start"], panel["context"]["end"]
    assert entry["figures"].headline == compute_figures(agreement_id=agreement.pk, start=start, end=end).headline
    assert len(entry["charts"]) == 4 and all(len(chart.bars) == 12 for chart in entry["charts"])
    # Analysts may not open contract lists: their numbers are not links there.
    assert all(not item["link"].startswith("/contracts/") for item in entry["headline"])

    client.force_login(cast.registrar)
    panels = client.get(reverse("core:dashboard")).context["panels"]
    panel = next(item for item in panels if item["panel"].key == "reports.agreements")
    links = [item["link"] for item in panel["context"]["agreements"][0]["headline"]]
    assert any(link.startswith("/contracts/") for link in links)

    # The page costs the same number of queries however many contracts there are.
    client.force_login(cast.analyst)
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reports.models import DashboardSnapshot

    def forget_snapshots():
        DashboardSnapshot.objects.all().delete()
        cache.clear()

    forget_snapshots()  # measure the figures computed (by the refresh the page asks for, run at once in tests)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("core:dashboard"))
    forget_snapshots()
    for day in range(5):
        place_contract(
            setting,
            status="deployed",
            submitted=START,
            approved=START,
            cleared=START,
            departed=START + datetime.timedelta(days=day),
        )
    with django_assert_max_num_queries(len(few)):
        client.get(reverse("core:dashboard"))


def test_dashboard_keeps_its_figures_for_a_while_and_says_since_when(client, cast, setting, deployed, settings):
    """The home page does not recompute a year of figures on every visit; a report always does."""
    from django.core.cache import cache

    settings.DASHBOARD_FIGURES_SECONDS = 600
    client.force_login(cast.analyst)

    def contracts_deployed_on_the_dashboard():
        panels = client.get(reverse("core:dashboard")).context["panels"]
        panel = next(item for item in panels if item["panel"].key == "reports.agreements")
        entry = panel["context"]["agreements"][0]
        return entry["figures"].figure("contracts_deployed").value, entry["computed_at"]

    before, computed_at = contracts_deployed_on_the_dashboard()
    place_contract(setting, status="deployed", submitted=START, approved=START, cleared=START, departed=START)
    assert contracts_deployed_on_the_dashboard() == (before, computed_at)  # the kept snapshot
    page = client.get(reverse("core:dashboard")).content.decode()
    assert "Figures as of" in page
    # The snapshot's time is up: the next visit asks for a refresh, which tests run at once.
    from reports.models import DashboardSnapshot

    DashboardSnapshot.objects.update(computed_at=computed_at - datetime.timedelta(seconds=601))
    cache.clear()
    after, recomputed_at = contracts_deployed_on_the_dashboard()
    assert after == before + 1 and recomputed_at >= computed_at


def test_the_dashboard_never_computes_figures_itself_and_asks_for_one_refresh(client, cast, setting, deployed, monkeypatch):
    """With a task worker (not run at once, as in tests), a page finding no snapshot says the figures are being
    computed and queues one refresh, however many visits; the worker's refresh then shows them."""
    import types

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reports import tasks
    from reports.dashboard import refresh_snapshots
    from reports.models import DashboardSnapshot

    queued = []
    monkeypatch.setattr(tasks, "refresh_dashboard", types.SimpleNamespace(enqueue=lambda: queued.append(1)))
    client.force_login(cast.analyst)
    with CaptureQueriesContext(connection) as visit:
        first = client.get(reverse("core:dashboard")).content.decode()
    second = client.get(reverse("core:dashboard")).content.decode()
    for page in (first, second):
        assert "being computed" in page and "Figures as of" not in page
    assert queued == [1]
    assert not any("contracts_contract" in query["sql"] for query in visit.captured_queries)

    assert refresh_snapshots() == 2  # the one agreement in force, in English and Sesotho
    assert set(DashboardSnapshot.objects.values_list("language", flat=True)) == {"en", "st"}
    page = client.get(reverse("core:dashboard")).content.decode()
    assert "Figures as of" in page and "being computed" not in page and queued == [1]


def test_agency_staff_dashboard_has_no_figures(client, cast, setting):
    client.force_login(cast.agency_staff)
    response = client.get(reverse("core:dashboard"))
    assert all(item["panel"].key != "reports.agreements" for item in response.context["panels"])
    assert Agreement.objects.exists()


def test_demo_gives_the_analyst_one_ready_pdf_once(cast, setting):
    from reports.demo import seed_reports

    seed_reports(1)
    seed_reports(1)
    report = GeneratedReport.objects.get()
    assert (report.requested_by, report.format, report.status) == (cast.analyst, "pdf", ReportStatus.DONE)
    assert report.agreement == setting["agreement"] and report.file


def test_the_scheduled_jobs_refresh_the_dashboard_figures(cast, setting, deployed):
    from django.core.management import call_command

    from reports.dashboard import last_twelve_months
    from reports.models import DashboardSnapshot

    out = io.StringIO()
    call_command("run_scheduled_jobs", "--only", "reports.refresh_dashboard", stdout=out)
    assert "2 dashboard snapshot(s) computed" in out.getvalue()
    start, end = last_twelve_months()
    assert set(DashboardSnapshot.objects.values_list("agreement", "language", "start", "end")) == {
        (setting["agreement"].pk, language, start, end) for language in ("en", "st")
    }


def test_a_refresh_leaves_fresh_snapshots_alone(cast, setting, deployed, settings):
    """Each web process asks for a refresh with its own cache: the second of two refreshes computes nothing."""
    from reports.dashboard import refresh_snapshots
    from reports.models import DashboardSnapshot

    settings.DASHBOARD_FIGURES_SECONDS = 600
    assert refresh_snapshots() == 2
    assert refresh_snapshots() == 0
    DashboardSnapshot.objects.filter(language="st").update(computed_at=timezone.now() - datetime.timedelta(seconds=601))
    assert refresh_snapshots() == 1


def test_a_snapshot_that_no_longer_reads_is_computed_again_not_a_500(client, cast, setting, deployed):
    """After an upgrade, a snapshot pickled by the older code may not load: the page asks for a new one."""
    from reports.dashboard import refresh_snapshots
    from reports.models import DashboardSnapshot

    assert refresh_snapshots() == 2
    DashboardSnapshot.objects.filter(language="en").update(content=b"written by an older version")
    client.force_login(cast.analyst)
    response = client.get(reverse("core:dashboard"))
    assert response.status_code == 200 and "Figures as of" in response.content.decode()  # the refresh ran at once
    assert DashboardSnapshot.objects.get(language="en").content != b"written by an older version"
    assert refresh_snapshots() == 0
