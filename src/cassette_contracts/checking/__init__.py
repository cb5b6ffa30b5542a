"""The ``check`` run over many cassettes, and its result cache."""
