import subprocess
import sys

from addressbook import AddressBook
from export import to_csv, to_vcards


def test_missing_phone_and_email():
    contacts = [
        {"name": "Ana Costa", "email": "ana@example.org", "phone": "+351 912 345 678"},
        {"name": "Ben Okafor", "email": "ben@example.org"},
        {"name": "Cleo", "phone": "555-0100"},
        {"name": "Dev"},
    ]
    assert to_csv(contacts) == (
        "name,email,phone\n"
        "Ana Costa,ana@example.org,+351 912 345 678\n"
        "Ben Okafor,ben@example.org,\n"
        "Cleo,,555-0100\n"
        "Dev,,\n"
    )


def test_contacts_from_add():
    book = AddressBook()
    book.add("Lee, Sam", email="sam@example.org")
    book.add("Mo", phone="555-0101")
    assert to_csv(book.contacts) == (
        'name,email,phone\n"Lee, Sam",sam@example.org,\nMo,,555-0101\n'
    )


def test_extra_keys_ignored_and_order_kept():
    contacts = [{"phone": "1", "notes": "x", "email": "e@x.org", "name": "Zed"}]
    assert to_csv(contacts) == "name,email,phone\nZed,e@x.org,1\n"


def test_cli_csv(tmp_path):
    book = AddressBook()
    book.add("Ana", email="ana@example.org", phone="1")
    book.add("Ben")
    path = tmp_path / "c.json"
    book.save(path)
    out = subprocess.run(
        [sys.executable, "cli.py", "csv", str(path)], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout == "name,email,phone\nAna,ana@example.org,1\nBen,,\n"


def test_vcards_unchanged():
    assert to_vcards([{"name": "Dev"}]) == "BEGIN:VCARD\nVERSION:3.0\nFN:Dev\nEND:VCARD\n"
