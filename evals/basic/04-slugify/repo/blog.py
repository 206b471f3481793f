"""Post model for the tiny static blog generator."""


class Post:
    def __init__(self, title, body):
        self.title = title
        self.body = body

    def word_count(self):
        return len(self.body.split())

    def summary(self, words=20):
        parts = self.body.split()
        text = " ".join(parts[:words])
        return text + ("..." if len(parts) > words else "")
