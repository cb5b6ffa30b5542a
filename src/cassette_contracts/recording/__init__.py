"""Recording: scrub secrets, rehost local upstreams, run the recording pytest, stage, promote,
scan.
"""
