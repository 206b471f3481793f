from export import to_csv, to_vcards

CONTACTS = [
    {"name": "Ana Costa", "email": "ana@example.org", "phone": "+351 912 345 678"},
    {"name": "Lee, Sam", "email": "sam@example.org", "phone": "555-0100"},
]


def test_csv():
    assert to_csv(CONTACTS) == (
        "name,email,phone\n"
        "Ana Costa,ana@example.org,+351 912 345 678\n"
        '"Lee, Sam",sam@example.org,555-0100\n'
    )


def test_csv_empty():
    assert to_csv([]) == "name,email,phone\n"


def test_vcards_skip_missing_fields():
    text = to_vcards([{"name": "Ben Okafor", "email": "ben@example.org"}])
    assert text == (
        "BEGIN:VCARD\nVERSION:3.0\nFN:Ben Okafor\nEMAIL:ben@example.org\nEND:VCARD\n"
    )
