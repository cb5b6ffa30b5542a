"""Cassettes in: discover the files, load them (YAML or JSON, with lines), decode bodies,
write atomically.
"""
