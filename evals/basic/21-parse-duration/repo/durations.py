"""Helpers for the timer CLI."""


def format_duration(seconds):
    """Format a number of seconds as "1h30m", "45s", "2h5s" ... ("0s" for zero)."""
    if seconds < 0:
        raise ValueError("negative duration")
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = []
    if hours:
        parts.append(f"{hours}h")
    if minutes:
        parts.append(f"{minutes}m")
    if secs or not parts:
        parts.append(f"{secs}s")
    return "".join(parts)
