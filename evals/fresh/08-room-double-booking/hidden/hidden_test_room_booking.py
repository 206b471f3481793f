import pytest

from booking import BookingConflict, Room


def dana():
    room = Room("Fjord")
    room.book("10:00", "11:00", "Dana")
    return room


@pytest.mark.parametrize(
    "start,end",
    [
        ("09:30", "10:30"),
        ("09:00", "12:00"),
        ("10:30", "11:30"),
        ("10:15", "10:45"),
        ("10:00", "11:00"),
        ("10:00", "10:01"),
        ("10:59", "12:00"),
        ("09:00", "10:01"),
    ],
)
def test_overlaps_are_refused(start, end):
    room = dana()
    with pytest.raises(BookingConflict):
        room.book(start, end, "Sam")
    assert room.schedule() == ["10:00-11:00 Dana"]


@pytest.mark.parametrize(
    "start,end", [("11:00", "12:00"), ("09:00", "10:00"), ("08:00", "09:30"), ("12:00", "13:00")]
)
def test_non_overlapping_accepted(start, end):
    room = dana()
    room.book(start, end, "Sam")
    assert len(room.bookings) == 2


def test_between_two_bookings():
    room = dana()
    room.book("12:00", "13:00", "Kim")
    room.book("11:00", "12:00", "Sam")
    with pytest.raises(BookingConflict):
        room.book("10:30", "12:30", "Lou")
    with pytest.raises(BookingConflict):
        room.book("11:30", "13:30", "Lou")
    assert room.schedule() == ["10:00-11:00 Dana", "11:00-12:00 Sam", "12:00-13:00 Kim"]


def test_rooms_are_independent():
    dana()
    other = Room("Delta")
    other.book("09:30", "10:30", "Sam")
    assert other.schedule() == ["09:30-10:30 Sam"]


def test_after_cancel_the_slot_is_free():
    room = dana()
    room.cancel("Dana", "10:00")
    room.book("09:30", "10:30", "Sam")
    assert room.schedule() == ["09:30-10:30 Sam"]


def test_existing_errors():
    with pytest.raises(ValueError):
        Room("Fjord").book("11:00", "11:00", "Dana")
