from playlist import Playlist


def test_playlists_are_independent():
    a = Playlist("Morning")
    b = Playlist("Evening")
    a.add("Song 1")
    assert b.songs == []
    assert a.songs == ["Song 1"]


def test_new_playlist_starts_empty_after_others_used():
    first = Playlist("First")
    first.add("x")
    first.add("y")
    later = Playlist("Later")
    assert later.songs == []
    assert len(later) == 0


def test_initial_songs():
    p = Playlist("Mix", ["x", "y"])
    assert p.songs == ["x", "y"]
    p.add("z")
    assert p.songs == ["x", "y", "z"]
    assert len(p) == 3


def test_remove():
    p = Playlist("Mix")
    p.add("a")
    p.add("b")
    p.remove("a")
    p.remove("missing")
    assert p.songs == ["b"]
    assert Playlist("Other").songs == []
