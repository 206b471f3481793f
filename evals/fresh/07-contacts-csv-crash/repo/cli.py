"""Usage: python3 cli.py csv|vcard CONTACTS.json"""

import sys

from addressbook import AddressBook
from export import to_csv, to_vcards


def main(argv):
    fmt, path = argv
    book = AddressBook.load(path)
    render = to_csv if fmt == "csv" else to_vcards
    sys.stdout.write(render(book.contacts))


if __name__ == "__main__":
    main(sys.argv[1:])
