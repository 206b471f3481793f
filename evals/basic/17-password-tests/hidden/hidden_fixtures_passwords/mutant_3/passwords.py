"""Password policy checks for the sign-up form."""

MIN_LENGTH = 8


def validate_password(password):
    """Return the list of problems with password; an empty list means it is valid.

    Rules, checked in this order:
      1. at least MIN_LENGTH (8) characters -> "too short"
      2. at least one digit                 -> "no digit"
      3. at least one upper-case letter     -> "no uppercase"
    """
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append("too short")
    if not any(ch.isdigit() for ch in password):
        problems.append("no digit")
    return problems


def is_valid(password):
    """Return True if password has no problems."""
    return not validate_password(password)
