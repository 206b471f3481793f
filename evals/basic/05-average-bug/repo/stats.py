"""Basic statistics helpers."""


def total(numbers):
    """Return the sum of numbers."""
    result = 0
    for n in numbers:
        result += n
    return result


def average(numbers):
    """Return the arithmetic mean of numbers, or 0.0 for an empty list."""
    if not numbers:
        return 0.0
    result = 0
    for i in range(1, len(numbers)):
        result += numbers[i]
    return result / len(numbers)


def spread(numbers):
    """Return max(numbers) - min(numbers), or 0 for an empty list."""
    if not numbers:
        return 0
    return max(numbers) - min(numbers)
