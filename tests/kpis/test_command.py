"""``ehcna kpi ...`` and ``ehcna export ...``, through ``cli.main``."""

import csv
import json

import pytest

from ehcna import cli
from ehcna.reports.exports import SEN2_FIELDS
from tests.kpis.cohort import overview_cohort


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def refused(capsys, *argv: str) -> str:
    """Bad input: exit status 2 and a message on stderr."""
    with pytest.raises(SystemExit) as exit_:
        cli.main(list(argv))
    assert exit_.value.code == 2
    return capsys.readouterr().err


def test_kpi_month_prints_the_overview_table(db, capsys):
    overview_cohort(db)
    code, out, _ = run(capsys, "kpi", "--month", "2026-10", "--database-url", db.url)
    assert code == 0
    k1 = next(line for line in out.splitlines() if line.startswith("K1 "))
    assert "66.7% (2/3)" in k1 and "50.0% (1/2)" in k1 and "+16.7 pts" in k1 and "25.0% (1/4)" in k1
    assert "K1 by month" in out


def test_kpi_json_csv_and_other_periods(db, capsys):
    overview_cohort(db)
    code, out, _ = run(capsys, "kpi", "--year", "2026", "--format", "json", "--database-url", db.url)
    data = json.loads(out)
    assert (code, data["period"]["label"], data["previous"]["label"]) == (0, "2026", "2025")
    assert data["measures"][0]["latest"]["text"] == "60.0% (3/5)"  # A, C, P of A, B, C, P, Q

    args = ("kpi", "--from", "2026-09-01", "--to", "2026-10-31", "--format", "csv", "--database-url", db.url)
    code, out, _ = run(capsys, *args)
    rows = list(csv.reader(out.splitlines()))
    assert code == 0
    # the previous range is as long and ends the day before: 2026-07-02..2026-08-31
    assert rows[1][:7] == ["K1", rows[1][1], "percent", "2026-09-01..2026-10-31", "60.0", "3", "5"]
    assert rows[1][7] == "2026-07-02..2026-08-31"


def test_export_sen2_and_kpis_to_files(db, capsys, tmp_path):
    overview_cohort(db)
    sen2 = tmp_path / "sen2.csv"
    code, _, err = run(capsys, "export", "sen2", "--out", str(sen2), "--database-url", db.url)
    assert code == 0 and "wrote 13 requests" in err
    with sen2.open(newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == SEN2_FIELDS and len(rows) == 14

    kpis = tmp_path / "kpis.json"
    args = ("export", "kpis", "--format", "json", "--month", "2026-10", "--out", str(kpis))
    assert run(capsys, *args, "--database-url", db.url)[0] == 0
    assert json.loads(kpis.read_text())["measures"][0]["latest"]["text"] == "66.7% (2/3)"

    monthly = tmp_path / "k1.csv"
    args = ("export", "kpis", "--format", "csv", "--table", "k1-monthly", "--month", "2026-10")
    assert run(capsys, *args, "--out", str(monthly), "--database-url", db.url)[0] == 0
    assert monthly.read_text().splitlines()[-1] == "2026-10,66.7,2,3,"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["kpi", "--month", "2026-13"], "argument --month: '2026-13' is not a month"),
        (["kpi", "--month", "October"], "argument --month: 'October' is not a month; expected YYYY-MM"),
        (["kpi", "--year", "25"], "argument --year: '25' is not a year"),
        (
            ["kpi", "--month", "2026-10", "--year", "2026"],
            "argument --year: not allowed with argument --month",
        ),
        (["kpi", "--from", "2026-01-01"], "--from and --to go together"),
        (
            ["kpi", "--from", "2026-02-01", "--to", "2026-01-01"],
            "--to 2026-01-01 is before --from 2026-02-01",
        ),
        (
            ["kpi", "--from", "2026-02-30", "--to", "2026-03-01"],
            "argument --from: '2026-02-30' is not a date",
        ),
        (["kpi", "--format", "xml"], "argument --format: invalid choice"),
        (["export", "sen2", "--from", "2026-02-01", "--to", "2026-01-01"], "--to 2026-01-01 is before"),
    ],
)
def test_bad_input_names_the_option_and_exits_2(capsys, argv, message):
    assert message in refused(capsys, *argv)


def test_a_missing_sqlite_database_is_refused_not_created(capsys, tmp_path):
    missing = tmp_path / "nowhere.db"
    err = refused(capsys, "kpi", "--month", "2026-10", "--database-url", f"sqlite:///{missing}")
    assert "--database-url: no database at" in err
    assert not missing.exists()


def test_an_unmigrated_database_fails_with_status_1(capsys, tmp_path):
    empty = tmp_path / "empty.db"
    empty.touch()
    with pytest.raises(SystemExit) as exit_:
        cli.main(["kpi", "--month", "2026-10", "--database-url", f"sqlite:///{empty}"])
    assert exit_.value.code == 1
    assert "cannot read the database" in capsys.readouterr().err
