from todo.models import Task
from todo.views import pending, render


def test_render():
    assert render([Task("a"), Task("b", done=True)]) == "[ ] a\n[x] b"


def test_pending():
    assert pending([Task("a"), Task("b", done=True)]) == [Task("a")]
