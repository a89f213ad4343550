"""`restock-bot stores import`: good rows land in the database (upserted by store_id), bad rows are named."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from restock_bot.cli import app

HEADER = "store_id,name,chain,aliases,handle,address,locality,city,state,country,postcode,lat,lon,distributor_id\n"  # noqa: E501
GOOD_1 = "S1,Sharma Kirana Stores,,Sharma Kirana|Sharma Store,,12 Paud Road,Kothrud,Pune,MH,IN,411038,18.5074,73.8077,dist-north\n"  # noqa: E501
BAD = "S2,Greenleaf Supermarket,Greenleaf,,,4 Baner Road,Baner,Pune,MH,IN,411045,north,73.7868,dist-north\n"
GOOD_3 = "S3,Greenleaf Supermarket,Greenleaf,,,9 ITI Road,Aundh,Pune,MH,IN,411007,18.558,73.8075,dist-south\n"


def stored(db: Path) -> dict[str, tuple[str, str, str]]:
    engine = create_engine(f"sqlite:///{db}")
    with engine.connect() as connection:
        result = connection.execute(text("select store_id, name, aliases, distributor_id from stores"))
        return {store_id: (name, aliases, distributor) for store_id, name, aliases, distributor in result}


def test_import_reports_the_bad_line_and_imports_the_rest(tmp_path: Path) -> None:
    csv_file = tmp_path / "stores.csv"
    csv_file.write_text(HEADER + GOOD_1 + BAD + GOOD_3)
    db = tmp_path / "stores.db"

    result = CliRunner().invoke(app, ["stores", "import", str(csv_file), "--database-url", f"sqlite+aiosqlite:///{db}"])

    assert result.exit_code == 0, result.output
    assert "imported 2 stores" in result.stdout and "1 line(s) skipped" in result.stdout
    said = " ".join(result.stderr.split())
    assert "line 3 (S2)" in said and "lat/lon" in said
    assert stored(db) == {
        "S1": ("Sharma Kirana Stores", '["Sharma Kirana", "Sharma Store"]', "dist-north"),
        "S3": ("Greenleaf Supermarket", "[]", "dist-south"),
    }


def test_importing_again_updates_stores_by_store_id(tmp_path: Path) -> None:
    db = tmp_path / "stores.db"
    url = f"sqlite+aiosqlite:///{db}"
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    first.write_text(HEADER + GOOD_1 + GOOD_3)
    second.write_text(HEADER + GOOD_1.replace("dist-north", "dist-west"))

    CliRunner().invoke(app, ["stores", "import", str(first), "--database-url", url])
    result = CliRunner().invoke(app, ["stores", "import", str(second), "--database-url", url])

    assert result.exit_code == 0, result.output
    assert stored(db)["S1"][2] == "dist-west"
    assert set(stored(db)) == {"S1", "S3"}
