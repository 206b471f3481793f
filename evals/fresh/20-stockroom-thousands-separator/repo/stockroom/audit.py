"""An in-memory audit log of stock changes."""


class AuditLog:
    def __init__(self):
        self._events = []

    def record(self, action, sku, detail=""):
        self._events.append((action, sku, detail))

    def events_for(self, sku):
        return [event for event in self._events if event[1] == sku]

    def lines(self):
        return [
            f"{action} {sku}: {detail}" if detail else f"{action} {sku}"
            for action, sku, detail in self._events
        ]

    def __len__(self):
        return len(self._events)
