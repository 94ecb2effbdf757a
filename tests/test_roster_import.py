"""Importing last year's roster: bad rows named, nothing lost, nothing half-written."""

from __future__ import annotations

import csv
import hashlib
import string
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.domain.errors import ValidationError
from app.domain.idcard import make_id_number
from app.services.base.workspace import add_user, init_database, open_workspace
from app.services.papers.exports import export
from app.services.village.campaigns import load_policy
from app.services.village.roster import find_households
from app.services.village.roster_import import MovesNotConfirmed, import_roster
from tests.conftest import DATA, PASSPHRASE

SAMPLE = DATA / "roster-sample.csv"
HEADER = ["户号", "村民小组", "户主姓名", "姓名", "与户主关系", "证件类型", "证件号码", "性别",
          "出生日期", "民族", "户籍性质", "人员类别", "联系电话", "备注"]


def _write_csv(path: Path, rows: list[list[str]], *, encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        csv.writer(fh).writerows([HEADER, *rows])
    return path


def _counts(ws) -> tuple[int, int, int]:
    return tuple(ws.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                 for t in ("households", "persons", "journal"))


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def policy_ws(ws):
    load_policy(ws, DATA / "policy-two-tier.json")
    return ws


def test_sample_roster_imports_and_reimport_changes_nothing(policy_ws):
    report = import_roster(policy_ws, SAMPLE)
    assert (report.households, report.persons, report.rejected) == (3, 10, [])
    # Categories in the file are not taken from a collector's import.
    assert any("人员类别" in w and "未导入" in w for w in report.warnings)
    assert policy_ws.conn.execute("SELECT count(*) FROM person_categories").fetchone()[0] == 0
    assert find_households(policy_ws, "wjg")[0]["household_no"] == "3404220010001"
    newborn = policy_ws.conn.execute(
        "SELECT id_type, birth_date FROM persons WHERE name = '陈小宝'").fetchone()
    assert newborn == ("91", "2025-09-01")
    before = _counts(policy_ws)
    again = import_roster(policy_ws, SAMPLE)
    assert (again.households, again.persons, again.updated, again.unchanged) == (0, 0, 0, 10)
    assert _counts(policy_ws) == before


def test_one_journal_event_for_the_whole_import(policy_ws):
    head_before = policy_ws.conn.execute("SELECT max(seq) FROM journal").fetchone()[0]
    import_roster(policy_ws, SAMPLE)
    types = [t for (t,) in policy_ws.conn.execute(
        "SELECT type FROM journal WHERE seq > ?", (head_before,))]
    assert types == ["roster.imported"]


def test_township_imports_categories(new_db, ws):
    load_policy(ws, DATA / "policy-single.json")
    add_user(ws, name="财政所", role="township", passphrase="township passphrase")
    with open_workspace(new_db.path, user="财政所", passphrase="township passphrase") as tw:
        report = import_roster(tw, SAMPLE)
        assert report.rejected == []
        cats = dict(tw.conn.execute(
            "SELECT p.name, c.category FROM person_categories c JOIN persons p "
            "ON p.id = c.person_id"))
    assert cats == {"李秀英": "低保", "赵德福": "特困", "陈志强": "残疾"}


def test_every_rejection_names_row_column_and_reason(policy_ws, tmp_path):
    good = make_id_number("340422", date(1970, 1, 1), 11)
    rows = [
        ["H1", "一组", "张三", "张三", "户主", "居民身份证", good, "男", "1970-01-01", "汉族", "本地",
         "", "", ""],
        ["H1", "一组", "张三", "李四", "配偶", "居民身份证", "110105194912310021", "", "", "", "",
         "", "", ""],
        ["H1", "一组", "张三", "王五", "子", "居民身份证", good, "", "", "", "", "", "", ""],
        ["H1", "一组", "张三", "赵六", "干亲", "居民身份证", "11010519491231002X", "", "", "", "",
         "", "", ""],
        ["H1", "一组", "张三", "孙七", "女", "居民身份证", "440524188001010014", "女", "", "", "",
         "", "", ""],
        ["H2", "二组", "钱八", "钱九", "子", "居民身份证", make_id_number(
            "340422", date(1990, 5, 5), 21), "", "", "", "", "", "", ""],
        ["H1", "一组", "张三", "周十", "女", "居民身份证", make_id_number(
            "340422", date(1995, 5, 5), 22), "", "", "", "", "贵族", "",
         ""],
        ["H1", "一组", "张三", "", "女", "居民身份证", "", "", "", "", "", "", "", ""],
    ]
    report = import_roster(policy_ws, _write_csv(tmp_path / "r.csv", rows), dry_run=True)
    by_row = {r.row: r for r in report.rejected}
    assert "校验码" in by_row[3].reason and by_row[3].column == "证件号码"
    assert "重复" in by_row[4].reason and "第 2 行" in by_row[4].reason
    # An unknown relation word is not a rejected row: 99 其他 with a warning naming it.
    assert 5 not in by_row
    assert any("第 5 行" in w and "干亲" in w and "99 其他" in w for w in report.warnings)
    assert by_row[6].column == "性别" and "性别" in by_row[6].reason
    assert "户主" in by_row[7].reason
    assert by_row[8].column == "人员类别" and "贵族" in by_row[8].reason
    assert by_row[9].column == "姓名"
    assert report.persons == 2  # only 张三 and 赵六 pass every check
    assert _counts(policy_ws)[1] == 0  # dry run wrote nothing


def test_updated_file_updates_people_matched_by_id(policy_ws, tmp_path):
    import_roster(policy_ws, SAMPLE)
    text = SAMPLE.read_text(encoding="utf-8").replace("13905640001", "13800000000").replace(
        ",王磊,子,", ",王磊磊,子,")
    changed = tmp_path / "updated.csv"
    changed.write_text(text, encoding="utf-8")
    # A rename needs confirming (tests/test_roster_import_moves.py has the rule in full).
    with pytest.raises(MovesNotConfirmed):
        import_roster(policy_ws, changed)
    report = import_roster(policy_ws, changed, accept_moves=True)
    assert report.updated == 2 and report.persons == 0
    fields = {k for c in report.changes for k in c["changes"]}
    assert fields == {"phone", "name"}
    assert policy_ws.conn.execute(
        "SELECT count(*) FROM persons WHERE name = '王磊磊'").fetchone()[0] == 1


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_encodings(policy_ws, tmp_path, encoding):
    path = tmp_path / f"r-{encoding}.csv"
    path.write_bytes(SAMPLE.read_text(encoding="utf-8").encode(encoding))
    assert import_roster(policy_ws, path, dry_run=True).persons == 10


def test_round_trip_export_then_import_into_a_fresh_database(policy_ws, tmp_path):
    from app.services.village.roster import set_person_status

    import_roster(policy_ws, SAMPLE)
    set_person_status(policy_ws, "340422194001010312", "deceased", note="2026-10 去世")
    out = tmp_path / "roster.xlsx"
    export(policy_ws, "roster", out)
    fresh = tmp_path / "fresh.db"
    init_database(fresh, user="新", role="collector", passphrase=PASSPHRASE)
    query = ("SELECT h.household_no, h.grp, h.head_name, p.name, p.id_type, p.id_number, p.sex, "
             "p.birth_date, p.relation, p.residence, p.ethnicity, p.phone, p.note, p.status "
             "FROM persons p "
             "JOIN households h ON h.id = p.household_id ORDER BY p.id_number")
    with open_workspace(fresh, user=None, passphrase=PASSPHRASE) as other:
        report = import_roster(other, out)
        assert report.rejected == []
        assert other.conn.execute(query).fetchall() == policy_ws.conn.execute(query).fetchall()
        # Re-importing the same export, deceased person included, changes nothing.
        again = import_roster(other, out)
        assert (again.persons, again.updated) == (0, 0)


def test_status_column_marks_people_and_unknown_status_is_rejected(policy_ws, tmp_path):
    import_roster(policy_ws, SAMPLE)
    text = SAMPLE.read_text(encoding="utf-8").splitlines()
    rows = [text[0] + ",状态"] + [line + ",正常" for line in text[1:]]
    rows[5] = rows[5][:-len("正常")] + "死亡"  # 赵德福
    rows[2] = rows[2][:-len("正常")] + "失踪"
    path = tmp_path / "status.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    report = import_roster(policy_ws, path)
    assert [(r.row, r.column) for r in report.rejected] == [(3, "状态")]
    assert policy_ws.conn.execute(
        "SELECT status FROM persons WHERE name = '赵德福'").fetchone()[0] == "deceased"
    assert any(c["changes"].get("status") == {"from": "active", "to": "deceased"}
               for c in report.changes)


@pytest.mark.parametrize("content", [
    b"%PDF-1.7 not a roster",
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600,
    bytes(range(256)) * 10,
])
def test_hostile_file_leaves_the_database_byte_for_byte_unchanged(policy_ws, new_db, tmp_path,
                                                                   content):
    policy_ws.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = _digest(new_db.path)
    bad = tmp_path / "roster.xlsx"
    bad.write_bytes(content)
    with pytest.raises(ValidationError):
        import_roster(policy_ws, bad)
    policy_ws.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert _digest(new_db.path) == before


def test_fully_rejected_file_changes_nothing(policy_ws, new_db, tmp_path):
    policy_ws.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = _digest(new_db.path)
    rows = [["H9", "一组", "甲", "甲", "户主", "居民身份证", "110105194912310021", "", "", "", "",
             "", "", ""]]
    report = import_roster(policy_ws, _write_csv(tmp_path / "bad.csv", rows))
    assert len(report.rejected) == 1 and report.persons == 0
    policy_ws.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert _digest(new_db.path) == before


_cell = st.one_of(st.text(string.printable + "张王李一二户主配偶子女男女本地外地低保", max_size=20),
                  st.sampled_from(["户主", "配偶", "子", "女", "男", "女", "1965-03-12",
                                   "340422196503120211", "34042219650312021x", ""]))


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(_cell, min_size=14, max_size=14), min_size=1, max_size=8))
def test_random_rows_never_crash_and_rejections_are_named(policy_ws, tmp_path, rows):
    path = _write_csv(tmp_path / "fuzz.csv", rows)
    try:
        report = import_roster(policy_ws, path, dry_run=True)
    except ValidationError as exc:
        assert exc.message
        return
    for rejection in report.rejected:
        assert rejection.row >= 2 and rejection.column and rejection.reason
    assert report.persons + report.updated + report.unchanged + len(report.rejected) <= len(rows)


def test_cli_import_dry_run_and_export(tmp_path, new_db, ws):
    from tests.conftest import run_cli

    load_policy(ws, DATA / "policy-two-tier.json")
    ws.close()
    env = {"YIBAO_PASSPHRASE": PASSPHRASE}
    res = run_cli("roster", "import", str(SAMPLE), "--dry-run", "--json", "--db",
                  str(new_db.path), env=env)
    assert res.returncode == 0, res.stderr
    import json

    out = json.loads(res.stdout)
    assert out["persons"] == 10 and out["rejected"] == [] and out["households"] == 3
    res = run_cli("roster", "import", str(SAMPLE), "--db", str(new_db.path), env=env)
    assert res.returncode == 0, res.stderr
    res = run_cli("export", "unpaid", "--out", str(tmp_path / "u.csv"), "--db", str(new_db.path),
                  env=env)
    assert res.returncode == 0, res.stderr
    unpaid = (tmp_path / "u.csv").read_text(encoding="utf-8-sig")
    assert "王建国" in unpaid and "3404220010001" in unpaid
