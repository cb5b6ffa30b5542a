"""``init``: contracts and schemas inferred from the cassettes a project already has."""
