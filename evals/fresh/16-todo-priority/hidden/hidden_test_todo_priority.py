import json

from todo.models import Task
from todo.storage import load_tasks, save_tasks
from todo.views import by_priority, pending, render


def test_default_priority():
    assert Task("x").priority == 0
    assert Task("x", done=True).done is True
    assert Task("x", priority=2).priority == 2


def test_priority_saved_and_loaded(tmp_path):
    path = tmp_path / "todo.json"
    tasks = [Task("taxes", priority=3), Task("milk"), Task("mum", done=True, priority=1)]
    save_tasks(path, tasks)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert [d["priority"] for d in data] == [3, 0, 1]
    assert [d["title"] for d in data] == ["taxes", "milk", "mum"]
    assert load_tasks(path) == tasks


def test_old_files_load_with_priority_zero(tmp_path):
    path = tmp_path / "old.json"
    path.write_text(json.dumps([{"title": "a", "done": True}, {"title": "b", "done": False}]))
    assert load_tasks(path) == [Task("a", done=True), Task("b")]
    assert [t.priority for t in load_tasks(path)] == [0, 0]


def test_by_priority():
    a, b, c, d = Task("a", priority=1), Task("b"), Task("c", priority=5), Task("d", priority=1)
    tasks = [a, b, c, d]
    assert by_priority(tasks) == [c, a, d, b]
    assert [t.title for t in by_priority(tasks)] == ["c", "a", "d", "b"]
    assert tasks == [a, b, c, d]
    assert by_priority([]) == []


def test_by_priority_negative_and_ties():
    tasks = [Task("x", priority=-1), Task("y"), Task("z"), Task("w", priority=-1)]
    assert [t.title for t in by_priority(tasks)] == ["y", "z", "x", "w"]


def test_views_unchanged():
    assert render([Task("a", priority=9), Task("b", done=True)]) == "[ ] a\n[x] b"
    assert pending([Task("a"), Task("b", done=True)]) == [Task("a")]
