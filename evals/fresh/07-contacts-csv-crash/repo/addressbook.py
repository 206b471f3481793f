"""The address book: a list of contacts stored as JSON."""

import json


class AddressBook:
    def __init__(self, contacts=None):
        self.contacts = list(contacts or [])

    @classmethod
    def load(cls, path):
        with open(path, encoding="utf-8") as f:
            return cls(json.load(f))

    def save(self, path):
        with open(path, "w", encoding="utf-8") as f:
            json.dump(self.contacts, f, indent=2)

    def add(self, name, email=None, phone=None):
        contact = {"name": name}
        if email:
            contact["email"] = email
        if phone:
            contact["phone"] = phone
        self.contacts.append(contact)
        return contact

    def find(self, text):
        """Contacts whose name contains `text` (case-insensitive)."""
        text = text.lower()
        return [c for c in self.contacts if text in c["name"].lower()]
