"""Saving and loading tasks as JSON."""

import json

from .models import Task


def task_to_dict(task):
    return {"title": task.title, "done": task.done, "priority": task.priority}


def task_from_dict(data):
    return Task(
        title=data["title"],
        done=data.get("done", False),
        priority=data.get("priority", 0),
    )


def save_tasks(path, tasks):
    with open(path, "w", encoding="utf-8") as f:
        json.dump([task_to_dict(task) for task in tasks], f, indent=2)


def load_tasks(path):
    with open(path, encoding="utf-8") as f:
        return [task_from_dict(data) for data in json.load(f)]
