"""Reports: the results of ``guaranty analyze`` as Markdown and as a self-contained HTML page.

The HTML page is one self-contained file: its plots use plotly, whose JavaScript (from the
installed plotly package) is inlined, so the report opens anywhere with no internet.
The report's files are written together or not at all: into a temporary folder beside the
target (inside it, when the target folder exists already), then renamed into place, so a
full disk or an interrupted run never leaves a half-written or half-updated report.
:func:`check_output` checks a target before anything is computed.

The package's parts: ``figures`` (the plotly figures, shared with the web workbench),
``context`` (what the templates are given) and ``writer`` (checking the target, rendering
and writing the files).
"""

from __future__ import annotations

from guaranty.report.context import SCENARIO_SECTIONS, answer_context, answer_html
from guaranty.report.figures import tornado_figure
from guaranty.report.writer import REPORT_FILES, check_output, write_report

__all__ = [
    "REPORT_FILES",
    "SCENARIO_SECTIONS",
    "answer_context",
    "answer_html",
    "check_output",
    "write_report",
]

#: the former private name of :func:`guaranty.report.figures.tornado_figure` (tests use it)
_tornado_figure = tornado_figure
