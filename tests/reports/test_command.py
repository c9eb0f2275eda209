"""``manage.py compliance_report``: a good run writes the file; each bad input is a clear CommandError."""

import io
import os
import zipfile

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook
from pypdf import PdfReader

from tests.reports.conftest import END, START, place_contract

pytestmark = pytest.mark.django_db


def _run(*args):
    out = io.StringIO()
    call_command("compliance_report", *args, stdout=out)
    return out.getvalue()


def test_writes_a_pdf_of_one_agreement(setting, tmp_path):
    place_contract(setting, status="submitted", submitted=START)
    target = tmp_path / "q2.pdf"
    reference = setting["agreement"].reference
    said = _run(
        "--agreement", reference.lower(), "--from", str(START), "--to", str(END), "--format", "pdf", "--output", str(target)
    )
    assert str(target) in said
    text = "\n".join(page.extract_text() for page in PdfReader(str(target)).pages)
    assert reference in text and "1 April 2026 to 30 June 2026" in text and "Page 1 of" in text
    assert [name for name in os.listdir(tmp_path)] == ["q2.pdf"]  # no temporary file left behind


def test_writes_csv_and_xlsx_of_all_agreements(setting, tmp_path):
    _run("--from", str(START), "--to", str(END), "--format", "csv", "--output", str(tmp_path / "all.zip"))
    with zipfile.ZipFile(tmp_path / "all.zip") as archive:
        assert "headline.csv" in archive.namelist()
        assert "All agreements" in archive.read("about.csv").decode("utf-8-sig")
    _run("--agreement", "all", "--from", str(START), "--to", str(END), "--format", "xlsx", "--output", str(tmp_path / "all.xlsx"))
    assert "headline" in load_workbook(tmp_path / "all.xlsx").sheetnames


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--agreement", "NO-SUCH-REF"], "no agreement with the reference NO-SUCH-REF"),
        (["--from", "2026-13-01"], "--from must be a date written YYYY-MM-DD"),
        (["--to", "30/06/2026"], "--to must be a date written YYYY-MM-DD"),
        (["--from", str(END), "--to", str(START)], "ends before it starts"),
        (["--from", "2999-01-01", "--to", "2999-02-01"], "future"),
        (["--format", "docx"], "invalid choice"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(setting, tmp_path, args, message):
    values = {"--agreement": setting["agreement"].reference, "--from": str(START), "--to": str(END), "--format": "pdf"}
    for flag, value in zip(args[::2], args[1::2], strict=True):
        values[flag] = value
    flat = [item for pair in values.items() for item in pair]
    with pytest.raises(CommandError, match=message):
        _run(*flat, "--output", str(tmp_path / "report.pdf"))
    assert not os.listdir(tmp_path)


def test_unwritable_output_is_refused_before_any_work(setting, tmp_path):
    with pytest.raises(CommandError, match="does not exist"):
        _run("--output", str(tmp_path / "missing" / "report.pdf"))
    with pytest.raises(CommandError, match="is a folder"):
        _run("--output", str(tmp_path))


def test_a_folder_without_write_permission_is_refused(setting, tmp_path, monkeypatch):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    if os.access(locked, os.W_OK):  # root may write anywhere: let the folder answer as it would to anyone else
        real_access = os.access
        monkeypatch.setattr(os, "access", lambda path, mode: False if str(path) == str(locked) else real_access(path, mode))
    try:
        with pytest.raises(CommandError, match="permission denied"):
            _run("--output", str(locked / "report.pdf"))
    finally:
        locked.chmod(0o700)
    assert not os.listdir(locked)
