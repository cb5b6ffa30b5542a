"""Contracts: the contracts.toml mapping, the schema registry, validation of an interaction,
pinned fields.
"""
