"""Drift: what changed between a baseline and a fresh recording of the same endpoints."""
