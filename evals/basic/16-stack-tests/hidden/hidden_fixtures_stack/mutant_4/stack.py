"""A minimal LIFO stack."""


class Stack:
    def __init__(self):
        self._items = []

    def push(self, item):
        """Put item on top of the stack."""
        self._items.append(item)

    def pop(self):
        """Remove and return the top item; IndexError if the stack is empty."""
        if not self._items:
            raise IndexError("pop from empty stack")
        return self._items[-1]

    def peek(self):
        """Return the top item without removing it; IndexError if empty."""
        if not self._items:
            raise IndexError("peek at empty stack")
        return self._items[-1]

    def is_empty(self):
        return not self._items

    def __len__(self):
        return len(self._items)
