"""Grading for the course dashboard."""

LETTERS = "ABCDF"


def letter_grade(score):
    """The letter grade for a score from 0 to 100 (int or float), bounds included.

    90 and above is "A", 80 up to 90 is "B", 70 up to 80 is "C", 60 up to 70 is "D" and
    anything below 60 is "F". A score below 0 or above 100 raises ValueError.
    """
    if not 0 <= score <= 100:
        raise ValueError(f"score out of range: {score}")
    if score >= 90:
        return "A"
    if score >= 80:
        return "B"
    if score >= 70:
        return "C"
    if score >= 60:
        return "D"
    return "F"


def grade_counts(scores):
    """How many scores got each letter: a dict with all five letters, zeros included."""
    counts = {letter: 0 for letter in LETTERS}
    for score in scores:
        counts[letter_grade(score)] += 1
    return counts
