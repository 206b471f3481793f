"""Playlist model for the music player."""


class Playlist:
    def __init__(self, name, songs=[]):
        self.name = name
        self.songs = songs

    def add(self, song):
        """Append a song to the end of the playlist."""
        self.songs.append(song)

    def remove(self, song):
        """Remove the first occurrence of song; do nothing if it is missing."""
        if song in self.songs:
            self.songs.remove(song)

    def __len__(self):
        return len(self.songs)

    def __repr__(self):
        return f"Playlist({self.name!r}, {self.songs!r})"
