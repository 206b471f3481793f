import ast
import datetime as dt

import dates
import reminders
import report
import utils


def tree(path):
    with open(path, encoding="utf-8") as f:
        return ast.parse(f.read())


def defined_functions(path):
    return {n.name for n in tree(path).body if isinstance(n, ast.FunctionDef)}


def imported_names(path, module):
    names = set()
    for node in ast.walk(tree(path)):
        if isinstance(node, ast.ImportFrom) and node.module == module and node.level == 0:
            names.update(alias.name for alias in node.names)
    return names


def test_dates_module():
    assert dates.parse_date(" 31/12/2024 ") == dt.date(2024, 12, 31)
    assert dates.format_date(dt.date(2024, 3, 5)) == "05/03/2024"
    assert dates.DATE_FORMAT == "%d/%m/%Y"
    assert {"parse_date", "format_date"} <= defined_functions("dates.py")


def test_utils_no_longer_defines_them_but_reexports():
    assert not {"parse_date", "format_date"} & defined_functions("utils.py")
    assert utils.parse_date is dates.parse_date
    assert utils.format_date is dates.format_date
    assert utils.normalize_space(" a  b ") == "a b"
    assert utils.plural(2, "cat") == "2 cats"


def test_report_and_reminders_import_from_dates():
    for path, mod in (("report.py", report), ("reminders.py", reminders)):
        assert not {"parse_date", "format_date"} & imported_names(path, "utils"), path
        uses_dates = {"parse_date", "format_date"} <= imported_names(path, "dates") or any(
            isinstance(n, ast.Import) and any(a.name == "dates" for a in n.names)
            for n in ast.walk(tree(path))
        )
        assert uses_dates, path


def test_behaviour_unchanged():
    entries = [("02/01/2024", "gym"), ("01/01/2024", "new   year"), ("02/01/2024", "read")]
    assert report.summarize(entries) == ["01/01/2024: new year", "02/01/2024: gym; read"]
    assert report.headline(entries) == "3 entries on 2 days"
    assert reminders.due_date("31/12/2023", 1) == "01/01/2024"
    assert reminders.overdue([("a", "01/01/2024")], "02/01/2024") == ["a"]
