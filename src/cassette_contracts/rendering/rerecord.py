"""``rerecord`` outcomes for people and machines: whether the fresh cassettes were promoted
(or why not), what was recorded, promoted and dropped, and the drift report (through the
drift renderers).
"""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree as ET

from ..recording.rerecord import RerecordOutcome
from . import json_text, renderers
from .drift import junit_cases, render_annotations, render_json, render_markdown
from .escape import gh_command, md_cell, md_code, md_sections
from .junit import junit_case, junit_suite, junit_text

__all__ = ["RENDERERS"]


def _headline(outcome: RerecordOutcome) -> str:
    if outcome.reason is not None:
        return f"rerecord: nothing promoted: {outcome.reason}"
    return f"rerecord: promoted {len(outcome.promoted)} cassette(s)"


def _text(outcome: RerecordOutcome) -> str:
    """The terminal summary, as ``rerecord`` has always printed it."""
    return outcome.summary()


def _json(outcome: RerecordOutcome) -> str:
    """Machine-readable JSON: the verdict, the files, and the drift report's JSON."""
    document: dict[str, Any] = {
        "promoted": outcome.reason is None,
        "exit_code": outcome.exit_code,
        "reason": outcome.reason,
        "recorded": [p.as_posix() for p in outcome.recorded],
        "promoted_files": [p.as_posix() for p in outcome.promoted],
        "dropped": list(outcome.dropped),
        "secret_findings": [str(f) for f in outcome.findings],
        "notes": list(outcome.notes),
        "staging": str(outcome.staging),
        "staging_kept": outcome.staging.exists(),
        "drift": None if outcome.report is None else json.loads(render_json(outcome.report)),
    }
    return json_text(document)


def _junit(outcome: RerecordOutcome) -> str:
    """JUnit XML: a ``promotion`` case, failed with the reason when nothing was promoted,
    then the drift report's case per endpoint."""
    suite = junit_suite("cassette-contracts rerecord")
    case = junit_case(suite, "rerecord", "promotion")
    if outcome.reason is not None:
        failure = ET.SubElement(
            case, "failure", type=f"exit-{outcome.exit_code}", message=outcome.reason
        )
        failure.text = outcome.summary()
    else:
        out = ET.SubElement(case, "system-out")
        out.text = outcome.summary()
    if outcome.report is not None:
        junit_cases(suite, outcome.report)
    return junit_text(suite)


def _markdown(outcome: RerecordOutcome) -> str:
    """A pull-request comment: the verdict, the files as lists, then the drift report."""
    verdict = "nothing promoted" if outcome.reason is not None else "promoted"
    lines = [f"## Re-record: {verdict}", "", md_cell(_headline(outcome))]
    lines += md_sections(
        [
            ("Recorded", [f"- {md_code(p.as_posix())}" for p in outcome.recorded]),
            (
                "Dropped stale interactions (no test requests them)",
                [f"- {md_code(line)}" for line in outcome.dropped],
            ),
            ("Secret-looking values", [f"- {md_cell(str(f))}" for f in outcome.findings]),
            ("Notes", [f"- {md_cell(note)}" for note in outcome.notes]),
        ]
    )
    text = "\n".join(lines) + "\n"
    if outcome.report is not None:
        text += "\n" + render_markdown(outcome.report)
    return text


def _github(outcome: RerecordOutcome) -> str:
    """GitHub workflow annotations: an error when nothing was promoted, the drift report's
    annotations, then the headline."""
    lines = []
    if outcome.reason is not None:
        lines.append(gh_command("error", outcome.reason, title="Nothing re-recorded"))
    lines += [
        gh_command("notice", f"dropped stale interaction: {line}", title="Re-record")
        for line in outcome.dropped
    ]
    text = "\n".join(lines) + "\n" if lines else ""
    if outcome.report is not None:
        text += render_annotations(outcome.report)
    return text + _headline(outcome) + "\n"


RENDERERS = renderers(_text, _json, _junit, _markdown, _github)
