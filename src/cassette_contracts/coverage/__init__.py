"""Contract coverage: which pinned fields the tests read from replayed payloads."""
