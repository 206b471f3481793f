"""Exporting contacts to other formats."""

import csv
import io

COLUMNS = ["name", "email", "phone"]


def to_csv(contacts):
    """Render contacts (dicts) as CSV text: a header row, then one row per contact."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for contact in contacts:
        writer.writerow([contact.get(column, "") for column in COLUMNS])
    return out.getvalue()


def to_vcards(contacts):
    """Render contacts as vCard 3.0 text, one card after the other."""
    cards = []
    for contact in contacts:
        lines = ["BEGIN:VCARD", "VERSION:3.0", f"FN:{contact['name']}"]
        if contact.get("email"):
            lines.append(f"EMAIL:{contact['email']}")
        if contact.get("phone"):
            lines.append(f"TEL:{contact['phone']}")
        lines.append("END:VCARD")
        cards.append("\n".join(lines))
    return "\n".join(cards) + ("\n" if cards else "")
