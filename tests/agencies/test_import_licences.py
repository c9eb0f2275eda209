"""Importing the ministry's spreadsheet register: every row checked first, then all of it or none of it."""

import datetime
from io import StringIO
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from agencies.models import Agency, Licence, LicenceStatus
from core.choices import District
from tests.factories import AgencyFactory

pytestmark = pytest.mark.django_db

HEADER = "legal_name,trading_name,registration_number,district,phone,email,licence_number,issued_on,expires_on,status"
TODAY = timezone.localdate()
NEXT_YEAR = (TODAY + datetime.timedelta(days=365)).isoformat()
LAST_YEAR = (TODAY - datetime.timedelta(days=365)).isoformat()
LONG_AGO = (TODAY - datetime.timedelta(days=3 * 365)).isoformat()


def row(**changes) -> str:
    """One good row of the register, with ``changes``."""
    values = {
        "legal_name": "Maluti Labour Brokers (Pty) Ltd",
        "trading_name": "Maluti Recruitment",
        "registration_number": "LS-2015/00412",
        "district": "Maseru",
        "phone": "2231 2345",
        "email": "info@maluti.co.ls",
        "licence_number": "PEA-2024-0007",
        "issued_on": LAST_YEAR,
        "expires_on": NEXT_YEAR,
        "status": "active",
    }
    values.update(changes)
    return ",".join(values[column] for column in HEADER.split(","))


def csv_file(tmp_path, *lines: str, name: str = "register.csv", encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding=encoding)
    return path


def run(path, *options: str) -> str:
    out = StringIO()
    call_command("import_licences", str(path), *options, stdout=out)
    return out.getvalue()


def refused(path) -> str:
    with pytest.raises(CommandError) as error:
        run(path)
    return str(error.value)


# --- A clean file -------------------------------------------------------------------------


def test_a_clean_file_imports_agencies_and_licences_with_their_numbers_and_dates(tmp_path):
    path = csv_file(
        tmp_path,
        HEADER,
        row(),
        row(legal_name="Senqu Employment Services (Pty) Ltd", trading_name="", registration_number="LS-2019/01877",
            district="Mohale's Hoek", phone="", email="", licence_number="PEA-2025-0013",
            issued_on="01/04/2025", expires_on="31/03/2099", status="Suspended"),
    )
    output = run(path)

    maluti = Agency.objects.get(registration_number="LS-2015/00412")
    assert (maluti.legal_name, maluti.trading_name, maluti.district, maluti.phone.as_e164, maluti.email) == (
        "Maluti Labour Brokers (Pty) Ltd", "Maluti Recruitment", District.MASERU, "+26622312345", "info@maluti.co.ls"
    )
    licence = Licence.objects.get(number="PEA-2024-0007")
    assert licence.agency == maluti
    assert (licence.status, licence.issued_on.isoformat(), licence.valid_from.isoformat(), licence.expires_on.isoformat()) == (
        LicenceStatus.ACTIVE, LAST_YEAR, LAST_YEAR, NEXT_YEAR
    )
    assert licence.public_token
    senqu = Licence.objects.get(number="PEA-2025-0013")
    assert (senqu.agency.district, senqu.status, senqu.issued_on, senqu.valid_from, senqu.expires_on) == (
        District.MOHALES_HOEK, LicenceStatus.SUSPENDED,
        datetime.date(2025, 4, 1), datetime.date(2025, 4, 1), datetime.date(2099, 3, 31),
    )
    assert "Imported 2 licences (active 1, suspended 1)." in output
    assert "Agencies created: 2" in output
    assert "Agencies reused: 0" in output


def test_column_names_are_case_insensitive_in_any_order_and_optional_columns_may_be_left_out(tmp_path):
    path = csv_file(
        tmp_path,
        "Expires_On,LICENCE_NUMBER,Issued_On,District,Registration_Number,Legal_Name",
        f"{NEXT_YEAR},PEA-2024-0007,{LAST_YEAR},Leribe,LS-2015/00412,Maluti Labour Brokers (Pty) Ltd",
    )
    run(path)
    licence = Licence.objects.get(number="PEA-2024-0007")
    assert licence.status == LicenceStatus.ACTIVE  # no status column: active
    assert licence.agency.district == District.LERIBE


@pytest.mark.parametrize(
    "written, district",
    [
        ("Butha-Buthe", District.BUTHA_BUTHE),
        ("butha buthe", District.BUTHA_BUTHE),
        ("Mohales Hoek", District.MOHALES_HOEK),
        ("MOHALE'S HOEK", District.MOHALES_HOEK),
        ("Qacha's Nek", District.QACHAS_NEK),
        ("Thaba-Tseka", District.THABA_TSEKA),
        ("berea", District.BEREA),
    ],
)
def test_districts_are_read_in_their_usual_spellings(tmp_path, written, district):
    run(csv_file(tmp_path, HEADER, row(district=f'"{written}"')))
    assert Agency.objects.get().district == district


def test_a_blank_status_means_active(tmp_path):
    run(csv_file(tmp_path, HEADER, row(status="")))
    assert Licence.objects.get().status == LicenceStatus.ACTIVE


def test_phone_numbers_are_stored_in_international_form(tmp_path):
    run(csv_file(tmp_path, HEADER, row(phone="5881 2345"), row(registration_number="ZA-1", licence_number="PEA-2024-0008",
                                                                phone="+27 82 123 4567", legal_name="Rand Recruiters")))
    assert sorted(agency.phone.as_e164 for agency in Agency.objects.all()) == ["+26658812345", "+27821234567"]


# --- One bad row: nothing is imported, the report names the row and the column -----------------


@pytest.mark.parametrize(
    "bad_row, column",
    [
        (row(issued_on="2024-02-30"), "issued_on"),
        (row(expires_on="next year"), "expires_on"),
        (row(district="Maseru East"), "district"),
        (row(phone="12345"), "phone"),
        (row(email="info@"), "email"),
        (row(licence_number="PEA-24-7"), "licence_number"),
        (row(status="pending"), "status"),
        (row(legal_name=""), "legal_name"),
        (row(issued_on="2025-06-01", expires_on="2025-05-31"), "expires_on"),
        (row(licence_number="PEA-2023-0001"), "licence_number"),  # the same number as row 2
    ],
)
def test_one_bad_row_means_nothing_is_imported_and_the_report_names_its_row_and_column(tmp_path, bad_row, column):
    path = csv_file(
        tmp_path,
        HEADER,
        row(licence_number="PEA-2023-0001", registration_number="LS-OTHER/1", legal_name="Other Agency"),
        row(licence_number="PEA-2023-0002", registration_number="LS-OTHER/2", legal_name="Third Agency"),
        bad_row,
    )
    report = refused(path)
    assert f"Row 4, column {column}:" in report
    assert "nothing was imported" in report
    assert not Agency.objects.exists()
    assert not Licence.objects.exists()


def test_a_licence_number_already_in_the_register_is_refused(tmp_path):
    existing = Licence.objects.create(agency=AgencyFactory(), number="PEA-2024-0007", issued_on=TODAY, valid_from=TODAY,
                                      expires_on=TODAY)
    report = refused(csv_file(tmp_path, HEADER, row(licence_number="PEA-2025-0001", registration_number="LS-NEW/1"), row()))
    assert "Row 3, column licence_number: PEA-2024-0007 is already in the register." in report
    assert list(Licence.objects.all()) == [existing]
    assert not Agency.objects.filter(registration_number__in=["LS-NEW/1", "LS-2015/00412"]).exists()


def test_every_problem_is_reported_not_only_the_first(tmp_path):
    report = refused(csv_file(tmp_path, HEADER, row(district="Gauteng", phone="1"), row(licence_number="PEA-2024-0008"),
                              row(licence_number="PEA-2024-0009", expires_on="1/1/1999")))
    assert [line.strip().split(":")[0] for line in report.splitlines()[1:]] == [
        "Row 2, column district", "Row 2, column phone", "Row 4, column expires_on",
    ]


def test_rows_of_one_agency_must_not_contradict_each_other(tmp_path):
    report = refused(csv_file(tmp_path, HEADER, row(), row(licence_number="PEA-2021-0003", district="Berea")))
    assert "Row 3, column district: differs from row 2" in report
    assert not Licence.objects.exists()


def test_a_cell_beyond_the_header_is_a_problem_not_silently_dropped(tmp_path):
    report = refused(csv_file(tmp_path, HEADER, row(legal_name="Maluti Labour Brokers, Maseru")))
    assert "Row 2, column (beyond the last column)" in report


# --- Spreadsheet habits ----------------------------------------------------------------------------


def test_excel_utf8_bom_and_semicolons_are_accepted(tmp_path):
    path = tmp_path / "excel.csv"
    lines = [HEADER.replace(",", ";"), row(legal_name="Mokhotlong Basotho Works", district="Mokhotlong").replace(",", ";")]
    path.write_bytes("\r\n".join(lines).encode("utf-8-sig"))
    output = run(path)
    assert Agency.objects.get().legal_name == "Mokhotlong Basotho Works"
    assert Licence.objects.get().number == "PEA-2024-0007"
    assert "Imported 1 licence (active 1)." in output


def test_blank_lines_are_skipped_but_counted_so_row_numbers_match_the_spreadsheet(tmp_path):
    report = refused(csv_file(tmp_path, HEADER, row(), ",,,,,,,,,", row(licence_number="PEA-2024-0008", district="Nowhere")))
    assert "Row 4, column district" in report


# --- Status on import --------------------------------------------------------------------------------


def test_an_active_licence_already_past_its_expiry_is_imported_as_expired(tmp_path):
    output = run(csv_file(tmp_path, HEADER, row(issued_on=LONG_AGO, expires_on=LAST_YEAR, status="active")))
    licence = Licence.objects.get()
    assert licence.status == LicenceStatus.EXPIRED
    assert licence.status_reason
    assert "Imported 1 licence (expired 1)." in output


def test_a_suspended_licence_past_its_expiry_is_imported_as_expired_too(tmp_path):
    # A suspended licence cannot outlive its term (Licence.expire); the scheduled job would otherwise expire it later.
    run(csv_file(tmp_path, HEADER, row(issued_on=LONG_AGO, expires_on=LAST_YEAR, status="suspended")))
    assert Licence.objects.get().status == LicenceStatus.EXPIRED


def test_a_revoked_licence_past_its_expiry_stays_revoked(tmp_path):
    run(csv_file(tmp_path, HEADER, row(issued_on=LONG_AGO, expires_on=LAST_YEAR, status="revoked")))
    assert Licence.objects.get().status == LicenceStatus.REVOKED


@pytest.mark.parametrize("expires_on, status", [("2026-03-31", LicenceStatus.EXPIRED), ("2026-04-01", LicenceStatus.ACTIVE)])
def test_a_licence_is_valid_through_its_expiry_date_in_maseru_time(tmp_path, expires_on, status):
    # 22:30 on 31 March in UTC is already 00:30 on 1 April in Maseru.
    late_evening_utc = datetime.datetime(2026, 3, 31, 22, 30, tzinfo=datetime.UTC)
    with mock.patch("django.utils.timezone.now", return_value=late_evening_utc):
        run(csv_file(tmp_path, HEADER, row(issued_on="2025-04-01", expires_on=expires_on)))
    assert Licence.objects.get().status == status


# --- Agencies already in the register -----------------------------------------------------------------


def test_an_agency_already_in_the_register_is_reused_and_not_overwritten(tmp_path):
    agency = AgencyFactory(registration_number="LS-2015/00412", legal_name="Maluti Labour Brokers (Pty) Ltd",
                           trading_name="Maluti", district=District.LERIBE)
    output = run(csv_file(tmp_path, HEADER, row(trading_name="Something Else", district="Quthing")))
    assert Agency.objects.count() == 1
    agency.refresh_from_db()
    assert (agency.trading_name, agency.district) == ("Maluti", District.LERIBE)
    assert Licence.objects.get().agency == agency
    assert "Agencies created: 0" in output
    assert "Agencies reused: 1 (already in the register: their details there are kept, not overwritten by the file)" in output


def test_several_rows_of_one_agency_make_one_agency_with_older_and_newer_licences(tmp_path):
    run(csv_file(tmp_path, HEADER, row(licence_number="PEA-2019-0002", issued_on="2019-01-01", expires_on="2021-12-31",
                                       trading_name="", phone=""), row()))
    agency = Agency.objects.get()
    assert sorted(agency.licences.values_list("number", "status")) == [
        ("PEA-2019-0002", LicenceStatus.EXPIRED), ("PEA-2024-0007", LicenceStatus.ACTIVE),
    ]
    assert (agency.trading_name, agency.phone.as_e164) == ("Maluti Recruitment", "+26622312345")  # a later row fills the blanks


# --- Dry run ---------------------------------------------------------------------------------------------


def test_a_dry_run_checks_and_shows_what_would_be_imported_but_writes_nothing(tmp_path):
    output = run(csv_file(tmp_path, HEADER, row()), "--dry-run")
    assert not Agency.objects.exists()
    assert not Licence.objects.exists()
    assert "Row 2: PEA-2024-0007 active" in output
    assert "Would import 1 licence (active 1)." in output
    assert "Agencies that would be created: 1" in output


def test_a_dry_run_reports_problems_like_an_import(tmp_path):
    with pytest.raises(CommandError, match="Row 2, column district"):
        run(csv_file(tmp_path, HEADER, row(district="Nowhere")), "--dry-run")


# --- Files that are not a register ---------------------------------------------------------------------


def test_an_empty_file_is_a_clear_error(tmp_path):
    assert "is empty" in refused(csv_file(tmp_path, ""))


def test_a_header_without_rows_is_a_clear_error(tmp_path):
    assert "no licences" in refused(csv_file(tmp_path, HEADER))


def test_a_missing_required_column_is_named(tmp_path):
    header = HEADER.replace(",licence_number", "")
    line = row().replace(",PEA-2024-0007", "")
    report = refused(csv_file(tmp_path, header, line))
    assert "lacks the required column(s): licence_number." in report
    assert not Agency.objects.exists()


def test_a_binary_file_is_a_clear_error(tmp_path):
    path = tmp_path / "register.xlsx"
    path.write_bytes(b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xb2\xdf\x9c\xff")
    assert "is not a UTF-8 CSV file" in refused(path)


def test_a_file_with_nul_bytes_is_a_clear_error(tmp_path):
    path = tmp_path / "register.csv"
    path.write_bytes(b"legal_name\x00\x00,district\n")
    assert "binary data" in refused(path)


def test_a_missing_file_is_a_clear_error(tmp_path):
    assert "No such file" in refused(tmp_path / "nowhere.csv")
