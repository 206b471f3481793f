from addressbook import AddressBook


def test_add_and_find(tmp_path):
    book = AddressBook()
    book.add("Ana Costa", email="ana@example.org")
    book.add("Ben Okafor", phone="555-0199")
    assert [c["name"] for c in book.find("costa")] == ["Ana Costa"]
    path = tmp_path / "book.json"
    book.save(path)
    assert AddressBook.load(path).contacts == book.contacts
