import pytest

from booking import BookingConflict, Room


def test_book_and_schedule():
    room = Room("Fjord")
    room.book("13:00", "14:00", "Kim")
    room.book("09:00", "10:00", "Dana")
    assert room.schedule() == ["09:00-10:00 Dana", "13:00-14:00 Kim"]


def test_conflict_when_starting_inside():
    room = Room("Fjord")
    room.book("10:00", "11:00", "Dana")
    with pytest.raises(BookingConflict):
        room.book("10:30", "11:30", "Sam")


def test_back_to_back():
    room = Room("Fjord")
    room.book("10:00", "11:00", "Dana")
    room.book("11:00", "12:00", "Sam")
    assert len(room.bookings) == 2


def test_end_before_start():
    with pytest.raises(ValueError):
        Room("Fjord").book("11:00", "10:00", "Dana")


def test_cancel_and_free_time():
    room = Room("Fjord")
    room.book("10:00", "11:30", "Dana")
    assert room.free_minutes() == 600 - 90
    assert room.cancel("Dana", "10:00")
    assert not room.cancel("Dana", "10:00")
    assert room.free_minutes() == 600
