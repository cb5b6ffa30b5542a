"""Example HTTP API clients protected by cassette-contracts."""
