"""A small note-taking model: notes with tags, kept in a notebook."""


class Note:
    def __init__(self, title, body="", tags=[]):
        self.title = title
        self.body = body
        self.tags = tags

    def add_tag(self, tag):
        """Add a tag (stored lower-case, without surrounding spaces); duplicates are ignored."""
        tag = tag.strip().lower()
        if tag and tag not in self.tags:
            self.tags.append(tag)

    def remove_tag(self, tag):
        tag = tag.strip().lower()
        if tag in self.tags:
            self.tags.remove(tag)

    def has_tag(self, tag):
        return tag.strip().lower() in self.tags


class Notebook:
    def __init__(self):
        self.notes = []

    def new_note(self, title, body="", tags=[]):
        note = Note(title, body, tags)
        self.notes.append(note)
        return note

    def tagged(self, tag):
        """The notes that carry a tag, in the order they were created."""
        return [note for note in self.notes if note.has_tag(tag)]

    def all_tags(self):
        return sorted({tag for note in self.notes for tag in note.tags})
