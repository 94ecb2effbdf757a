"""Roster import never moves or renames a person silently (issue 13, item 11).

A row whose certificate belongs to a person of another household is a move (迁户); a row whose
name differs from the stored name is a rename (改名). Both are listed old → new, and applying
them needs ``accept_moves`` (CLI ``--accept-moves``). A person enrolled in the active campaign is
never moved by an import. Relation words follow GB/T 4761-2008; an unknown word is 99 其他 with
a warning.
"""

from __future__ import annotations

import csv
import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.domain.errors import Refused, ValidationError
from app.domain.idcard import make_id_number
from app.domain.roster import RELATIONS, lookup_relation, parse_relation
from app.services.base.workspace import init_database, open_workspace
from app.services.papers.exports import export
from app.services.village.books import register_book, void_receipt
from app.services.village.campaigns import load_policy
from app.services.village.collect import collect_household
from app.services.village.roster import add_household, add_person, find_households
from app.services.village.roster_import import MovesNotConfirmed, import_roster
from tests.conftest import DATA, PASSPHRASE, run_cli
from tests.helpers_ledger import SERIES, T0, snapshot
from tests.test_roster_import import HEADER

SAMPLE = DATA / "roster-sample.csv"
WANG_LEI = "340422199211200133"  # 王磊, 子 in 3404220010001 (row 4 of the sample)
CHEN_HAO = "340422201003010175"  # 陈浩, 子 in 3404220010003 (row 9)
HOUSEHOLDS = ("3404220010001", "3404220010002", "3404220010003")
NEW_1 = make_id_number("340422", date(1995, 1, 1), 2)  # three people not in the sample
NEW_2 = make_id_number("340422", date(1990, 1, 1), 1)
NEW_3 = make_id_number("340422", date(1988, 1, 1), 1)


def _sample_rows() -> list[list[str]]:
    with SAMPLE.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))[1:]


def _write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([HEADER, *rows])
    return path


def _edited(path: Path, edits: dict[str, dict[str, str]]) -> Path:
    """The sample with some persons (by ID number) given another 户号 and/or 姓名."""
    rows = _sample_rows()
    for row in rows:
        change = edits.get(row[6], {})
        row[0] = change.get("household", row[0])
        row[3] = change.get("name", row[3])
    return _write(path, rows)


def _where(ws, id_number: str) -> tuple[str, str]:
    return ws.conn.execute(
        "SELECT h.household_no, p.name FROM persons p JOIN households h ON h.id = p.household_id "
        "WHERE p.id_number = ?", (id_number,)).fetchone()


@pytest.fixture
def village(ws):
    """The sample roster imported into a village with the two-tier policy."""
    load_policy(ws, DATA / "policy-two-tier.json")
    assert import_roster(ws, SAMPLE).persons == 10
    return ws


# ---- moves ------------------------------------------------------------------------------------

def test_a_move_is_listed_refused_without_accept_and_applied_with_it(village, tmp_path):
    path = _edited(tmp_path / "moved.csv", {WANG_LEI: {"household": "3404220010003"}})
    dry = import_roster(village, path, dry_run=True)
    move = {"row": 4, "id_number": WANG_LEI, "name": "王磊",
            "from_household": "3404220010001", "to_household": "3404220010003"}
    assert dry.moves == [move] and dry.renames == [] and dry.updated == 1
    assert dry.to_dict()["moves"] == [move]

    before = snapshot(village)
    with pytest.raises(MovesNotConfirmed) as refused:
        import_roster(village, path)
    assert "1 人迁户" in refused.value.message and "0 人改名" in refused.value.message
    assert refused.value.details == {"moves": [move], "renames": []}
    assert snapshot(village) == before  # nothing written, not even a journal event
    assert _where(village, WANG_LEI) == ("3404220010001", "王磊")

    done = import_roster(village, path, accept_moves=True)
    assert done.moves == [move]
    assert _where(village, WANG_LEI) == ("3404220010003", "王磊")
    payload = json.loads(village.conn.execute(
        "SELECT payload FROM journal WHERE type = 'roster.imported' ORDER BY seq DESC "
        "LIMIT 1").fetchone()[0])
    assert payload["updates"][0]["changes"]["household_no"] == {
        "from": "3404220010001", "to": "3404220010003"}
    # Imported again, the file matches the roster: no move left to confirm.
    again = import_roster(village, path)
    assert (again.moves, again.renames, again.updated) == ([], [], 0)


def test_a_move_into_a_new_household_is_a_move_too(village, tmp_path):
    rows = _sample_rows()
    for row in rows:
        if row[6] == WANG_LEI:  # 王磊 sets up his own household, as its head
            row[0], row[2], row[4] = "3404220010009", "王磊", "户主"
    path = _write(tmp_path / "own.csv", rows)
    dry = import_roster(village, path, dry_run=True)
    assert dry.households == 1
    assert [(m["from_household"], m["to_household"]) for m in dry.moves] == [
        ("3404220010001", "3404220010009")]
    before = snapshot(village)
    with pytest.raises(MovesNotConfirmed):
        import_roster(village, path)
    assert snapshot(village) == before
    import_roster(village, path, accept_moves=True)
    assert _where(village, WANG_LEI)[0] == "3404220010009"


_people = st.sampled_from([row[6] for row in _sample_rows()])


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.dictionaries(_people, st.fixed_dictionaries({}, optional={
    "household": st.sampled_from(HOUSEHOLDS), "name": st.sampled_from(["甲乙", "丙丁", "王磊"])}),
    max_size=5))
def test_exactly_the_changed_people_are_listed_and_any_one_stops_the_import(village, tmp_path,
                                                                           edits):
    stored = {row[6]: (row[0], row[3]) for row in _sample_rows()}
    path = _edited(tmp_path / "edited.csv", edits)
    report = import_roster(village, path, dry_run=True)
    want_moves = {(i, stored[i][0], e["household"]) for i, e in edits.items()
                  if e.get("household", stored[i][0]) != stored[i][0]}
    want_renames = {(i, stored[i][1], e["name"]) for i, e in edits.items()
                    if e.get("name", stored[i][1]) != stored[i][1]}
    assert {(m["id_number"], m["from_household"], m["to_household"])
            for m in report.moves} == want_moves
    assert {(r["id_number"], r["from_name"], r["to_name"]) for r in report.renames} == want_renames
    before = snapshot(village)
    if want_moves or want_renames:
        with pytest.raises(MovesNotConfirmed) as refused:
            import_roster(village, path)
        assert refused.value.details == {"moves": report.moves, "renames": report.renames}
    else:
        assert import_roster(village, path).updated == 0
    assert snapshot(village) == before


# ---- renames ----------------------------------------------------------------------------------

def test_a_rename_is_listed_refused_without_accept_and_applied_with_it(village, tmp_path):
    path = _edited(tmp_path / "renamed.csv", {WANG_LEI: {"name": "石磊"}})
    dry = import_roster(village, path, dry_run=True)
    assert dry.renames == [{"row": 4, "id_number": WANG_LEI, "from_name": "王磊",
                            "to_name": "石磊"}]
    assert dry.moves == []
    before = snapshot(village)
    with pytest.raises(MovesNotConfirmed) as refused:
        import_roster(village, path)
    assert "0 人迁户、1 人改名" in refused.value.message
    assert snapshot(village) == before
    assert _where(village, WANG_LEI) == ("3404220010001", "王磊")

    import_roster(village, path, accept_moves=True)
    assert _where(village, WANG_LEI) == ("3404220010001", "石磊")
    # Found by the new name's pinyin initials (sl), no longer by the old ones only.
    assert "3404220010001" in {h["household_no"] for h in find_households(village, "sl")}


def test_moves_and_renames_must_be_the_ones_that_were_checked(village, tmp_path):
    """The dialog passes the dry run's lists: a file edited after the check is refused."""
    path = _edited(tmp_path / "f.csv", {WANG_LEI: {"name": "石磊"}})
    checked = import_roster(village, path, dry_run=True).to_dict()
    _edited(path, {WANG_LEI: {"name": "石磊"}, CHEN_HAO: {"household": "3404220010002"}})
    before = snapshot(village)
    with pytest.raises(Refused) as refused:
        import_roster(village, path, accept_moves=True, expected_moves=checked)
    assert "重新检查" in refused.value.message
    assert snapshot(village) == before
    _edited(path, {WANG_LEI: {"name": "石磊"}})
    import_roster(village, path, accept_moves=True, expected_moves=checked)
    assert _where(village, WANG_LEI)[1] == "石磊"


# ---- enrolled people are never moved ----------------------------------------------------------

@pytest.fixture
def paid(village):
    """Household 3404220010001 (王建国, 李秀英, 王磊, 王欣怡) paid for the 2026 campaign."""
    register_book(village, series=SERIES, first=1, last=50)
    collect_household(village, household_no="3404220010001", tier_code="1", now=T0)
    return village


@pytest.mark.parametrize("id_number", ["340422196503120211", "340422196807050427", WANG_LEI,
                                       "340422201804020242"])
def test_an_enrolled_person_is_never_moved_even_when_moves_are_accepted(paid, tmp_path,
                                                                        id_number):
    path = _edited(tmp_path / "moved.csv", {id_number: {"household": "3404220010003"},
                                            CHEN_HAO: {"household": "3404220010002"}})
    row = next(n for n, r in enumerate(_sample_rows(), start=2) if r[6] == id_number)
    for dry_run in (True, False):
        report = import_roster(paid, path, dry_run=dry_run, accept_moves=True)
        rejected = {r.row: r for r in report.rejected}
        assert rejected[row].column == "户号"
        assert "已在户 3404220010001 参加本期" in rejected[row].reason
        assert "不能把已参保的人迁到户 3404220010003" in rejected[row].reason
        assert [m["id_number"] for m in report.moves] == [CHEN_HAO]  # the others still move
    assert _where(paid, id_number)[0] == "3404220010001"
    assert _where(paid, CHEN_HAO)[0] == "3404220010002"


def test_an_enrolled_head_named_head_of_a_new_household_leaves_it_headless(paid, tmp_path):
    rows = _sample_rows()
    rows[0][0] = "3404220010009"  # 王建国 as 户主 of a new household, with a newborn
    rows.append(["3404220010009", "一组", "王建国", "王小", "孙子", "出生医学证明", "P340000999",
                 "男", "2026-09-01", "汉族", "本地", "", "", ""])
    report = import_roster(paid, _write(tmp_path / "n.csv", rows), dry_run=True,
                           accept_moves=True)
    by_row = {r.row: r for r in report.rejected}
    assert by_row[2].column == "户号" and "已参保" in by_row[2].reason
    assert by_row[12].column == "与户主关系" and "没有户主" in by_row[12].reason
    assert report.households == 0 and report.moves == []


def test_renaming_an_enrolled_person_is_allowed_once_accepted(paid, tmp_path):
    path = _edited(tmp_path / "r.csv", {WANG_LEI: {"name": "石磊"}})
    with pytest.raises(MovesNotConfirmed):
        import_roster(paid, path)
    import_roster(paid, path, accept_moves=True)
    assert _where(paid, WANG_LEI) == ("3404220010001", "石磊")


def test_an_ended_enrolment_no_longer_holds_the_person(paid, tmp_path):
    """Only an enrolment without an enrolment_ends row counts: after a void they may move."""
    path = _edited(tmp_path / "moved.csv", {WANG_LEI: {"household": "3404220010003"}})
    assert import_roster(paid, path, dry_run=True).moves == []
    number = paid.conn.execute("SELECT number FROM receipt_numbers").fetchone()[0]
    void_receipt(paid, str(number), reason="填错户", now=T0 + timedelta(minutes=5))
    report = import_roster(paid, path, dry_run=True)
    assert report.rejected == [] and [m["id_number"] for m in report.moves] == [WANG_LEI]
    import_roster(paid, path, accept_moves=True)
    assert _where(paid, WANG_LEI)[0] == "3404220010003"


# ---- relations (GB/T 4761-2008) ---------------------------------------------------------------

@pytest.mark.parametrize(("word", "code"), [
    ("户主", "02"), ("本人", "02"), ("配偶", "10"), ("夫", "11"), ("丈夫", "11"), ("妻", "12"),
    ("子", "20"), ("独生子", "21"), ("长子", "22"), ("次子", "23"), ("养子", "27"),
    ("女婿", "28"), ("其他儿子", "29"), ("女", "30"), ("长女", "32"), ("儿媳", "38"),
    ("其他女儿", "39"), ("孙子女", "40"), ("孙子", "41"), ("孙女", "42"), ("外孙子", "43"),
    ("外孙女", "44"), ("孙媳妇", "45"), ("曾孙子", "47"), ("父母", "50"), ("父亲", "51"),
    ("母亲", "52"), ("公公", "53"), ("婆婆", "54"), ("岳父", "55"), ("岳母", "56"),
    ("继父", "57"), ("继母", "58"), ("祖父母", "60"), ("祖父", "61"), ("外祖母", "64"),
    ("兄弟姐妹", "70"), ("哥哥", "71"), ("嫂子", "72"), ("弟", "73"), ("弟媳", "74"),
    ("姐姐", "75"), ("姐夫", "76"), ("妹妹", "77"), ("妹夫", "78"), ("伯父", "81"),
    ("叔父", "83"), ("婶母", "84"), ("舅父", "85"), ("姨母", "88"), ("姑母", "90"),
    ("堂兄弟", "91"), ("表哥", "92"), ("侄子", "93"), ("侄女", "94"), ("外甥", "95"),
    ("外甥女", "96"), ("其他亲属", "97"), ("非亲属", "99"), ("其他", "99"), ("", "99"),
    (" 儿媳 ", "38"),
])
def test_relation_words_map_to_gbt_4761(word, code):
    assert parse_relation(word) == code


def test_every_code_and_label_parses_back_to_itself():
    assert len(RELATIONS) >= 80
    for code in ("02", "10", "20", "30", "40", "50", "99"):  # codes already stored stay valid
        assert code in RELATIONS
    for code, label in RELATIONS.items():
        want = "02" if code == "01" else code  # 本人 in 与户主关系 is the head himself
        assert parse_relation(code) == want and parse_relation(label) == want, (code, label)
    assert len(set(RELATIONS.values())) == len(RELATIONS)  # exports stay unambiguous


@given(st.text(max_size=6))
def test_any_text_is_a_known_code_or_explicitly_unknown(text):
    code = lookup_relation(text)
    if code is None:
        with pytest.raises(ValidationError) as info:
            parse_relation(text)
        assert "无法识别的与户主关系" in info.value.message
    else:
        assert code in RELATIONS and parse_relation(text) == code


def test_unknown_relation_is_other_with_a_warning_not_a_rejected_row(village, tmp_path):
    rows = _sample_rows()
    rows[2][4] = "干儿子"  # 王磊 (already in the roster as 20 子)
    rows.append(["3404220010001", "一组", "王建国", "王芳", "儿媳", "居民身份证",
                 NEW_1, "女", "1995-01-01", "汉族", "本地", "", "", ""])
    rows.append(["3404220010001", "一组", "王建国", "张三", "干亲", "居民身份证",
                 NEW_2, "男", "1990-01-01", "汉族", "本地", "", "", ""])
    rows.append(["3404220010002", "二组", "赵德福", "赵婿", "女婿", "居民身份证",
                 NEW_3, "男", "1988-01-01", "汉族", "本地", "", "", ""])
    report = import_roster(village, _write(tmp_path / "rel.csv", rows))
    assert report.rejected == [] and report.persons == 3
    relation = dict(village.conn.execute("SELECT name, relation FROM persons"))
    assert (relation["王芳"], relation["赵婿"], relation["张三"]) == ("38", "28", "99")
    assert relation["王磊"] == "20"  # an unknown word does not overwrite a known relation
    warned = [w for w in report.warnings if "与户主关系" in w]
    assert any("第 13 行" in w and "干亲" in w and "99 其他" in w for w in warned)
    assert any("第 4 行" in w and "干儿子" in w and "20 子" in w for w in warned)


def test_every_relation_survives_export_and_reimport(ws, tmp_path):
    load_policy(ws, DATA / "policy-two-tier.json")
    add_household(ws, household_no="H1", head_name="甲")
    for n, code in enumerate(c for c in RELATIONS if c != "01"):
        add_person(ws, household_no="H1", name=f"成员{n}", relation=code,
                   id_number=make_id_number("340422", date(1960, 1, 1), n + 1))
    out = tmp_path / "roster.xlsx"
    export(ws, "roster", out)
    fresh = tmp_path / "fresh.db"
    init_database(fresh, user="新", role="collector", passphrase=PASSPHRASE)
    query = "SELECT id_number, relation FROM persons ORDER BY id_number"
    with open_workspace(fresh, user=None, passphrase=PASSPHRASE) as other:
        report = import_roster(other, out)
        assert report.rejected == [] and not [w for w in report.warnings if "关系" in w]
        assert other.conn.execute(query).fetchall() == ws.conn.execute(query).fetchall()


def test_manual_add_person_takes_the_same_words_and_refuses_unknown_ones(village):
    added = add_person(village, household_no="3404220010001", name="王芳", relation="儿媳",
                       id_number=NEW_1)
    assert added["relation"] == "38"
    before = snapshot(village)
    with pytest.raises(ValidationError) as info:
        add_person(village, household_no="3404220010001", name="张三", relation="干亲",
                   id_number=NEW_2)
    assert "干亲" in info.value.message and "儿媳" in info.value.message
    assert snapshot(village) == before


# ---- the real CLI -----------------------------------------------------------------------------

def test_cli_lists_moves_and_renames_and_needs_accept_moves(new_db, ws, tmp_path):
    load_policy(ws, DATA / "policy-two-tier.json")
    import_roster(ws, SAMPLE)
    ws.close()
    db = ["--db", str(new_db.path)]
    env = {"YIBAO_PASSPHRASE": PASSPHRASE}
    path = _edited(tmp_path / "changed.csv", {WANG_LEI: {"household": "3404220010003"},
                                              CHEN_HAO: {"name": "陈昊"}})

    dry = run_cli("roster", "import", str(path), "--dry-run", "--json", *db, env=env)
    assert dry.returncode == 0, dry.stderr
    out = json.loads(dry.stdout)
    assert out["moves"] == [{"row": 4, "id_number": WANG_LEI, "name": "王磊",
                             "from_household": "3404220010001",
                             "to_household": "3404220010003"}]
    assert out["renames"] == [{"row": 9, "id_number": CHEN_HAO, "from_name": "陈浩",
                               "to_name": "陈昊"}]
    assert {"households", "persons", "updated", "unchanged", "rejected", "warnings", "changes",
            "dry_run", "header_row"} <= set(out)
    assert out["dry_run"] is True and out["updated"] == 2

    text = run_cli("roster", "import", str(path), "--dry-run", *db, env=env)
    assert text.returncode == 0
    assert "户 3404220010001 → 户 3404220010003" in text.stdout and "陈浩 → 陈昊" in text.stdout

    for extra in ((), ("--json",)):
        refused = run_cli("roster", "import", str(path), *extra, *db, env=env)
        assert refused.returncode == 1
        line = refused.stderr.strip()
        assert "\n" not in line and "Traceback" not in line
        assert "1 人迁户" in line and "1 人改名" in line and "--accept-moves" in line
        assert "--dry-run" in line
    error = json.loads(refused.stdout)
    assert error["error"] == "moves_not_confirmed" and len(error["moves"]) == 1
    with open_workspace(new_db.path, user=None, passphrase=PASSPHRASE) as check:
        assert _where(check, WANG_LEI) == ("3404220010001", "王磊")
        assert _where(check, CHEN_HAO) == ("3404220010003", "陈浩")
        events = check.conn.execute("SELECT count(*) FROM journal").fetchone()[0]

    done = run_cli("roster", "import", str(path), "--accept-moves", "--json", *db, env=env)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["dry_run"] is False and len(out["moves"]) == 1 and len(out["renames"]) == 1
    with open_workspace(new_db.path, user=None, passphrase=PASSPHRASE) as check:
        assert _where(check, WANG_LEI) == ("3404220010003", "王磊")
        assert _where(check, CHEN_HAO) == ("3404220010003", "陈昊")
        assert check.conn.execute("SELECT count(*) FROM journal").fetchone()[0] == events + 1
