"""Meeting-room bookings for one day. Times are "HH:MM" strings."""

from dataclasses import dataclass


class BookingConflict(Exception):
    """The room is already booked for part of the requested time."""


def to_minutes(hhmm):
    hours, minutes = (int(x) for x in hhmm.split(":"))
    if not (0 <= hours <= 24 and 0 <= minutes < 60) or hours * 60 + minutes > 24 * 60:
        raise ValueError(f"bad time {hhmm!r}")
    return hours * 60 + minutes


def to_hhmm(minutes):
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass
class Booking:
    start: int
    end: int
    who: str

    def label(self):
        return f"{to_hhmm(self.start)}-{to_hhmm(self.end)} {self.who}"


class Room:
    def __init__(self, name):
        self.name = name
        self.bookings = []

    def book(self, start, end, who):
        """Book the room from start to end (exclusive), or raise BookingConflict."""
        start, end = to_minutes(start), to_minutes(end)
        if end <= start:
            raise ValueError("a booking must end after it starts")
        for booking in self.bookings:
            if booking.start <= start < booking.end:
                raise BookingConflict(f"{self.name} is taken {booking.label()}")
        booking = Booking(start, end, who)
        self.bookings.append(booking)
        return booking

    def cancel(self, who, start):
        """Remove the booking of `who` starting at `start`; True if there was one."""
        start = to_minutes(start)
        for booking in self.bookings:
            if booking.who == who and booking.start == start:
                self.bookings.remove(booking)
                return True
        return False

    def schedule(self):
        """The day's bookings as labels, in time order."""
        return [b.label() for b in sorted(self.bookings, key=lambda b: b.start)]

    def free_minutes(self, day_start="08:00", day_end="18:00"):
        """Minutes between day_start and day_end not covered by a booking."""
        lo, hi = to_minutes(day_start), to_minutes(day_end)
        busy = sum(max(0, min(b.end, hi) - max(b.start, lo)) for b in self.bookings)
        return hi - lo - busy
