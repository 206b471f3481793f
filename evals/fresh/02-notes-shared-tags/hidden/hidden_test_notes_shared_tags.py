from notes import Note, Notebook


def test_notebook_notes_do_not_share_tags():
    book = Notebook()
    first = book.new_note("first")
    first.add_tag("work")
    second = book.new_note("second")
    assert second.tags == []
    second.add_tag("home")
    assert first.tags == ["work"]
    assert second.tags == ["home"]
    assert book.tagged("work") == [first]
    assert book.tagged("home") == [second]
    assert book.all_tags() == ["home", "work"]


def test_earlier_notes_unaffected():
    book = Notebook()
    a = book.new_note("a")
    b = book.new_note("b")
    b.add_tag("urgent")
    assert a.tags == []
    assert not a.has_tag("urgent")


def test_plain_notes_do_not_share_tags():
    x = Note("x")
    x.add_tag("one")
    y = Note("y")
    assert y.tags == []
    y.add_tag("two")
    assert x.tags == ["one"]


def test_explicit_tags_still_work():
    book = Notebook()
    note = book.new_note("t", "body", tags=["home"])
    note.add_tag("Garden")
    assert note.tags == ["home", "garden"]
    assert note.body == "body"
    other = Note("o", tags=["x"])
    other.add_tag("x")
    assert other.tags == ["x"]
    other.remove_tag("x")
    assert other.tags == []
