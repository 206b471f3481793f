from reminders import due_date, overdue
from report import headline, summarize

ENTRIES = [("02/01/2024", "gym"), ("01/01/2024", "new   year"), ("02/01/2024", "read")]


def test_summarize():
    assert summarize(ENTRIES) == ["01/01/2024: new year", "02/01/2024: gym; read"]


def test_headline():
    assert headline(ENTRIES) == "3 entries on 2 days"


def test_reminders():
    assert due_date("28/02/2024", 2) == "01/03/2024"
    assert overdue([("tax", "01/04/2024"), ("car", "01/06/2024")], "15/05/2024") == ["tax"]
