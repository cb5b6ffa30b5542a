"""Command line entry point."""


def run() -> None:
    raise SystemExit(0)
