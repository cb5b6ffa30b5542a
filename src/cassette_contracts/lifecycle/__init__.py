"""Cassette lifecycle: which interactions the suite plays, and the audit of unused or old
cassettes.
"""
