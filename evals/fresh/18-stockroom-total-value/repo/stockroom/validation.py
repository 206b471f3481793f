"""Input validation helpers."""

from .errors import ValidationError


def require_positive(value, name="value"):
    if value <= 0:
        raise ValidationError(f"{name} must be positive")
    return value


def require_non_empty(text, name="value"):
    text = str(text).strip()
    if not text:
        raise ValidationError(f"{name} must not be empty")
    return text


def require_choice(value, choices, name="value"):
    if value not in choices:
        raise ValidationError(f"{name} must be one of {', '.join(map(str, choices))}")
    return value
