"""Showing tasks."""


def render(tasks):
    """One line per task: "[x] title" when done, "[ ] title" otherwise."""
    return "\n".join(f"[{'x' if task.done else ' '}] {task.title}" for task in tasks)


def pending(tasks):
    return [task for task in tasks if not task.done]
