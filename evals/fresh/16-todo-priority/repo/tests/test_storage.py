from todo.models import Task
from todo.storage import load_tasks, save_tasks


def test_round_trip(tmp_path):
    path = tmp_path / "todo.json"
    tasks = [Task("buy milk"), Task("call mum", done=True)]
    save_tasks(path, tasks)
    assert load_tasks(path) == tasks
