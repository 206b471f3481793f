from stack import Stack


def test_new_stack_is_empty():
    assert Stack().is_empty()
