"""Render an HTML file in headless Chromium and read the report structure out of the DOM.

Only the standard library is used: Chromium (Debian's ``chromium`` package, never a browser
download) runs as a subprocess with ``--dump-dom``, which prints the DOM after the page's
scripts ran, and :class:`ReportDom` walks that DOM with :mod:`html.parser`.

The report contract checked by :func:`report_problems`:

* each section is ``<section id="ID" data-plots="N">`` where N is the number of plotly
  figures inside it (nested sections count towards every enclosing section);
* a plotly figure is a ``div.plotly-graph-div``; it is *rendered* when, after the scripts
  ran, it has class ``js-plotly-plot`` and contains an ``svg.main-svg``;
* each claim is a ``<tr class="claim" data-verdict="...">`` with one of
  :data:`VERDICTS`.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

DEBIAN_CHROMIUM = Path("/usr/bin/chromium")
VERDICTS = frozenset(
    {
        "supported",
        "not supported",
        "depends",
        "by construction",
        "indistinguishable",
        "not checkable",
    }
)

# Needed on a machine with a closed network: without the background-networking flags,
# Chromium keeps trying connections that are refused. A fresh profile every run keeps
# runs independent of each other and of any user profile.
_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",  # console messages of the page go to stderr as ...:CONSOLE...
    "--v=0",
)
# Elements that never have an end tag (HTML "void elements").
_VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())


def find_chromium() -> Path | None:
    """Debian's Chromium, or a ``chromium`` on PATH; None when there is none."""
    if DEBIAN_CHROMIUM.exists():
        return DEBIAN_CHROMIUM
    found = shutil.which("chromium")
    return Path(found) if found else None


class BrowserError(RuntimeError):
    """Chromium failed or timed out; the message ends with the tail of its stderr."""


@dataclass(frozen=True)
class Rendered:
    dom: str
    console: tuple[str, ...]  # the page's console messages, as logged by Chromium
    screenshot: Path | None


def _tail(stderr: str, lines: int = 30) -> str:
    # D-Bus complaints are noise in a container; leave them out of the tail.
    kept = [line for line in stderr.splitlines() if "dbus" not in line.lower()]
    return "\n".join(kept[-lines:])


def render(
    html: Path,
    *,
    chromium: Path,
    screenshot: Path | None = None,
    window_size: tuple[int, int] = (1280, 4000),
    virtual_time_ms: int = 20_000,
    timeout: float = 120,
) -> Rendered:
    """Load ``html`` in headless Chromium, let its scripts run, return the resulting DOM.

    With ``screenshot``, the same run also writes a PNG of the page there.
    """
    url = html.resolve().as_uri()
    with tempfile.TemporaryDirectory(prefix="guaranty-chromium-") as profile:
        cmd = [
            str(chromium),
            *_FLAGS,
            f"--user-data-dir={profile}",
            f"--virtual-time-budget={virtual_time_ms}",
        ]
        if screenshot is not None:
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            screenshot.unlink(missing_ok=True)
            cmd += [
                f"--screenshot={screenshot}",
                f"--window-size={window_size[0]},{window_size[1]}",
            ]
        cmd += ["--dump-dom", url]
        # A session of its own, so that on timeout the whole tree Chromium started is ended.
        proc = subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
            env={**os.environ, "HOME": profile},
            start_new_session=True,
        )
        try:
            dom, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            _, stderr = proc.communicate()
            raise BrowserError(
                f"chromium did not finish within {timeout:g} s on {url}\n"
                f"--- stderr tail ---\n{_tail(stderr)}"
            ) from None
    if proc.returncode != 0 or "<html" not in dom.lower():
        raise BrowserError(
            f"chromium exited with {proc.returncode} on {url} "
            f"({len(dom)} characters of DOM)\n--- stderr tail ---\n{_tail(stderr)}"
        )
    console = tuple(line for line in stderr.splitlines() if ":CONSOLE" in line)
    shot = screenshot if screenshot is not None and screenshot.exists() else None
    return Rendered(dom, console, shot)


@dataclass
class Plot:
    id: str | None
    sections: tuple[str, ...]  # ids of the enclosing sections, outermost first
    scripted: bool  # has class js-plotly-plot (plotly.js took the div over)
    has_svg: bool = False  # contains an svg.main-svg

    @property
    def rendered(self) -> bool:
        return self.scripted and self.has_svg


@dataclass
class Section:
    id: str
    declared: str | None  # the raw data-plots attribute
    plots: list[Plot] = field(default_factory=list)


@dataclass
class Claim:
    verdict: str | None
    sections: tuple[str, ...]


class ReportDom(HTMLParser):
    """Sections, plotly figures and claim rows of an HTML document (usually a dumped DOM)."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.sections: dict[str, Section] = {}
        self.duplicate_sections: list[str] = []
        self.plots: list[Plot] = []
        self.claims: list[Claim] = []
        self.external: list[str] = []  # resources loaded from outside the page itself
        # open elements: (tag, section id or None, plot or None)
        self._stack: list[tuple[str, str | None, Plot | None]] = []
        self.feed(html)
        self.close()

    def _open_sections(self) -> tuple[str, ...]:
        return tuple(s for _, s, _ in self._stack if s is not None)

    def _element(
        self, tag: str, attrs: list[tuple[str, str | None]]
    ) -> tuple[str | None, Plot | None]:
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        section_id = None
        plot = None
        if tag == "section" and a.get("id"):
            section_id = a["id"]
            if section_id in self.sections:
                self.duplicate_sections.append(section_id)
            else:
                self.sections[section_id] = Section(section_id, a.get("data-plots"))
        elif tag == "div" and "plotly-graph-div" in classes:
            plot = Plot(a.get("id"), self._open_sections(), "js-plotly-plot" in classes)
            self.plots.append(plot)
            for s in plot.sections:
                self.sections[s].plots.append(plot)
        elif tag == "svg" and "main-svg" in classes:
            for _, _, p in self._stack:
                if p is not None:
                    p.has_svg = True
        elif tag == "tr" and "claim" in classes:
            self.claims.append(Claim(a.get("data-verdict"), self._open_sections()))
        ref = a.get("src") if tag in {"script", "img", "iframe"} else None
        if tag == "link" and "stylesheet" in (a.get("rel") or "").split():
            ref = a.get("href")
        if ref and not ref.startswith("data:"):
            self.external.append(f"<{tag}> {ref}")
        return section_id, plot

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        section_id, plot = self._element(tag, attrs)
        if tag not in _VOID:
            self._stack.append((tag, section_id, plot))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._element(tag, attrs)  # <x/>: opens and closes at once

    def handle_endtag(self, tag: str) -> None:
        # Close up to the matching open element; a stray end tag is ignored.
        for i in range(len(self._stack) - 1, -1, -1):
            if self._stack[i][0] == tag:
                del self._stack[i:]
                return


def report_problems(
    dom: str, required_sections: Iterable[str], n_claims: int | None = None
) -> list[str]:
    """Everything in ``dom`` that breaks the report contract, as readable lines (empty: ok).

    ``n_claims``, when given, is the number of claim rows the page must have.
    """
    doc = ReportDom(dom)
    problems: list[str] = []
    missing = [s for s in required_sections if s not in doc.sections]
    if missing:
        problems.append(
            f"missing sections: {', '.join(missing)} (found: {', '.join(doc.sections) or 'none'})"
        )
    for s in doc.duplicate_sections:
        problems.append(f"section id {s!r} appears more than once")
    for s in doc.sections.values():
        try:
            declared = int(s.declared or "")
        except ValueError:
            problems.append(f"section {s.id!r}: data-plots={s.declared!r} is not a whole number")
            continue
        rendered = sum(p.rendered for p in s.plots)
        if declared != len(s.plots) or rendered != declared:
            broken = [
                f"#{k} {p.id or '?'}"
                f" ({'no js-plotly-plot class' if not p.scripted else 'no svg.main-svg'})"
                for k, p in enumerate(s.plots, 1)
                if not p.rendered
            ]
            problems.append(
                f"section {s.id!r}: declares {declared} plots, holds {len(s.plots)} plotly divs,"
                f" {rendered} rendered" + (f"; not rendered: {', '.join(broken)}" if broken else "")
            )
    outside = [p for p in doc.plots if not p.sections]
    if outside:
        problems.append(
            f"plotly figures outside any section: {', '.join(p.id or '?' for p in outside)}"
            f" ({sum(p.rendered for p in outside)} of {len(outside)} rendered)"
        )
    if n_claims is not None and len(doc.claims) != n_claims:
        problems.append(f"{len(doc.claims)} claim rows, expected {n_claims}")
    if any(not c.sections for c in doc.claims):
        problems.append("claim rows outside any section")
    bad = sorted({repr(c.verdict) for c in doc.claims if c.verdict not in VERDICTS})
    if bad:
        problems.append(f"claim verdicts outside {sorted(VERDICTS)}: {', '.join(bad)}")
    return problems


#: JavaScript that measures a rendered page for the first-screen and plot checks: the box of
#: ``#answer`` and the viewport, the text of every plot title, and the pairs of tick labels
#: that overlap inside one plot (labels of every axis of the plot, so that two subplots'
#: labels meeting at a shared edge count too). Returns a JSON-ready object.
PROBE_JS = """() => {
  const out = {vw: window.innerWidth, vh: window.innerHeight, answer: null, titles: [],
               overlaps: []};
  const a = document.getElementById('answer');
  if (a) { const r = a.getBoundingClientRect();
    out.answer = {top: r.top, bottom: r.bottom, left: r.left, right: r.right, text: a.innerText}; }
  document.querySelectorAll('.js-plotly-plot').forEach((plot, k) => {
    plot.querySelectorAll('.gtitle, .g-xtitle text, .g-ytitle text, .annotation-text')
      .forEach(t => out.titles.push(t.textContent));
    const ticks = [];
    plot.querySelectorAll('g.xtick text, g.ytick text, g.x2tick text, g.y2tick text').forEach(t => {
      const r = t.getBoundingClientRect();
      if (r.width > 0 && r.height > 0 && t.textContent.trim()) ticks.push([t.textContent, r]);
    });
    for (let i = 0; i < ticks.length; i++) for (let j = i + 1; j < ticks.length; j++) {
      const p = ticks[i][1], q = ticks[j][1];
      const dx = Math.min(p.right, q.right) - Math.max(p.left, q.left);
      const dy = Math.min(p.bottom, q.bottom) - Math.max(p.top, q.top);
      if (dx > 1 && dy > 1) out.overlaps.push([plot.id || String(k), ticks[i][0], ticks[j][0]]);
    }
  });
  return out;
}"""


def probe_problems(probe: dict, *, viewport: tuple[int, int] = (1280, 900)) -> list[str]:
    """What :data:`PROBE_JS`'s measurements say is wrong: the answer block missing, not
    inside the first ``viewport`` or without a number and its interval; a plot title with a
    template placeholder; overlapping tick labels."""
    import re

    problems = []
    a = probe.get("answer")
    if a is None:
        problems.append("no #answer block")
    else:
        w, h = viewport
        if not (a["top"] >= 0 and a["bottom"] <= h and a["left"] >= 0 and a["right"] <= w):
            problems.append(f"#answer is not inside the first {w}x{h} viewport: {a}")
        if not re.search(r"\d+%.{0,40}?\d+%\s*[-–]\s*\d+%", a["text"]):
            problems.append("#answer has no number with its interval")
    problems += [f"a plot title holds a placeholder: {t!r}" for t in probe["titles"] if "{" in t]
    problems += [
        f"tick labels overlap in plot {p}: {x!r} and {y!r}" for p, x, y in probe["overlaps"]
    ]
    return problems
