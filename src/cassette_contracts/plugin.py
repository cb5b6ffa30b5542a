"""pytest plugin (filled in by the Contracts work)."""
