from notes import Note, Notebook


def test_add_tag_normalises_and_ignores_duplicates():
    note = Note("groceries", tags=["home"])
    note.add_tag("  Shopping ")
    note.add_tag("shopping")
    assert note.tags == ["home", "shopping"]
    assert note.has_tag("SHOPPING")


def test_remove_tag():
    note = Note("x", tags=["a", "b"])
    note.remove_tag("A")
    assert note.tags == ["b"]


def test_notebook_tagged():
    book = Notebook()
    first = book.new_note("first", tags=["work"])
    book.new_note("second", tags=["home"])
    assert book.tagged("work") == [first]
    assert book.all_tags() == ["home", "work"]
