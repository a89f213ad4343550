"""`restock-bot stores validate` names the line at fault and warns about what hurts matching."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from restock_bot.cli import app
from restock_bot.retailers import REQUIRED_COLUMNS

HEADER = ",".join(REQUIRED_COLUMNS)


def write(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "stores.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def test_bad_rows_are_named_by_line_and_the_rest_load(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "PNQ-1,Asha Stores,,,,MG Road,Camp,Pune,MH,IN,411001,18.51,73.87,DST-1",
        "PNQ-2,Bad Lat,,,,MG Road,Camp,Pune,MH,IN,411001,north,73.87,DST-1",
        "PNQ-3,,,,,MG Road,Camp,Pune,MH,IN,411001,18.51,73.87,DST-1",
        "PNQ-1,Dup,,,,MG Road,Camp,Pune,MH,IN,411001,18.51,73.87,DST-1",
    )
    result = CliRunner().invoke(app, ["stores", "validate", str(path)])
    assert result.exit_code == 1
    assert "1 stores ok, 3 line(s) with errors" in result.stdout
    assert "line 3" in result.stderr and "lat/lon" in result.stderr
    assert "line 4" in result.stderr and "name: empty" in result.stderr
    assert "line 5" in result.stderr and "appears twice" in result.stderr


def test_warnings_about_matching(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "A-1,Om Stores,,,,Main Rd,,Pune,MH,IN,,18.51,73.87,D",
        "A-2,Om Stores,,,,Station Rd,,Pune,MH,IN,,18.52,73.88,D",
        "A-3,Far Stores,,,,Far Rd,Camp,Pune,MH,IN,,19.90,73.87,D",
        "A-4,No Geo,,,,X Rd,Camp,Pune,MH,IN,,,,D",
    )
    result = CliRunner().invoke(app, ["stores", "validate", str(path)])
    assert result.exit_code == 0
    assert "no locality tells them apart" in result.stderr
    assert "km from the middle of Pune" in result.stderr
    assert "no coordinates" in result.stderr


def test_missing_columns_stop_with_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "stores.csv"
    path.write_text("store_id,name\nA,B\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["stores", "validate", str(path)])
    assert result.exit_code == 2
    assert "missing column(s)" in result.stderr


def test_warnings_name_the_real_line_even_after_bad_rows(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "B-1,Broken,,,,Main Rd,Camp,Pune,MH,IN,,north,73.87,D",
        "B-2,No Geo,,,,X Rd,Camp,Pune,MH,IN,,,,D",
    )
    result = CliRunner().invoke(app, ["stores", "validate", str(path)])
    assert "line 3 (B-2): warning: no coordinates" in result.stderr
