#!/usr/bin/env python3
"""A fuzzing campaign over every input format (run on demand; prints its figures).

    .venv/bin/python benchmarks/fuzz_inputs.py [--mutants 2400] [--seed 0] [--out DIR]

Seeds: the shipped scenarios (``scenarios/*.yaml``) and the peer-format fixtures of
``tests/data`` (BDM and KTAB ``.csv``, decide exchange ``.txt``, DEU III ``.tsv``; see
``tests/data/SOURCES.md``). Each mutant is a seed with one to three mutations: bit flips,
random bytes, truncation, duplicated, deleted and swapped lines, numbers replaced with
NaN / infinities / huge / negative / overlong values, deep nesting, YAML aliases ("billion
laughs", recursive, undefined, merge keys), YAML tags, cells longer than csv's default limit,
CR / NUL / other control characters, stray quotes and delimiters, lines spliced in from
another seed, and now and then the wrong file extension.

Each mutant is written to a file and run in this process through the command line's own
``validate`` (typer's test runner invokes ``guaranty validate FILE``: the same code path,
error handling included), under a 10 s watchdog (``SIGALRM``). A mutant ends as

* a **clean error**: exit code 2 and one paragraph on stderr that names the file (the
  count of those that also give a line is printed);
* **accepted**: exit code 0; the file is then loaded again and checked for **NaN
  results**: any number of the loaded scenario that is not finite, a JSON dump (as
  ``show --json`` writes it) that fails, or a NaN / infinite forecast of the ``compromise``
  model at the nominal inputs and over 16 draws;
* a **traceback**: any other exception (its type and the first reproducer are printed);
* a **hang**: still running after 10 s.

Clean errors without a line are listed by kind (the file-level ones: empty, undetectable
format, no YAML document), and so are messages whose line number the command line's printing
ate: rich renders ``:100:`` (line 100) as an emoji unless its Console has ``emoji=False``.

Reproducers of tracebacks, hangs and NaN results are kept in ``--out``. The exit code is 1
when there is any of those. Mutations draw from ``random.Random(seed)`` only (no global
random state): the same seed gives the same mutants.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import resource
import signal
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WATCHDOG_S = 10.0
MAX_MUTANT_BYTES = 2 * 1024 * 1024

SEEDS = [
    "scenarios/ukraine-2022.yaml",
    "scenarios/korea-1953.yaml",
    "tests/data/eu_emissions_1994_actors.csv",
    "tests/data/china_actors.csv",
    "tests/data/dummyData_3Dim.csv",
    "tests/data/SOE-Policy.csv",
    "tests/data/two_actor_example.txt",
    "tests/data/exchange_sample_data.txt",
    "tests/data/deu3_dev.tsv",
]

SPECIAL_NUMBERS = [
    ".nan", ".NaN", "nan", "NaN", ".inf", "-.inf", "+.inf", "inf", "-inf", "Infinity",
    "1e308", "-1e308", "1e999", "-1e999", "1.7976931348623157e308", "1e16", "-1e16",
    "-1", "-0.5", "-100", "-0", "0", "1e-320", "5e-324", "99999999999999999999",
    "9" * 400, "1" * 5000, "0x1F", "1_000", "1e", "--1", "", "+", ".",
]  # fmt: skip

TAGS = [
    "!!float abc", "!!int 0xZZ", "!!int 1e3", "!!bool maybe", "!!null x",
    "!!python/object:os.system ls", "!!python/name:os.system", "!!binary ###",
    "!!timestamp 2020-99-99", "!!timestamp abc", "!!set {a, b}", "!!omap [a]",
    "!!pairs {a: b}", "!custom x", "!!str [1, 2]", "!!map [1]", "!!seq {a: 1}",
    "!!float 1e400", "!!float -.inf", "!!merge x",
]  # fmt: skip

CONTROL = ["\x01", "\x08", "\x1b", "\x7f", "\x85", "\u2028", "\u2029", "\ufeff", "\x0b", "\x0c"]

YAML_BITS = [
    ": ", "- ", "{", "}", "[", "]", ",", "'", '"', "&a ", "*a", "? ", "|", ">", "%YAML 1.1\n",
    "---\n", "...\n", "#", "<<: ", "\t", "\n  ", "\n- ", ": :", "!!", "&", "*",
]  # fmt: skip

NUMBER = re.compile(rb"(?<![A-Za-z_])-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


@dataclass
class Mutant:
    seed: str
    data: bytes
    suffix: str
    ops: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# Mutations: each takes (data, rng, seeds) and returns new bytes
# ---------------------------------------------------------------------------------------------


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


def _pos(data: bytes, rng: random.Random) -> int:
    return rng.randrange(len(data) + 1)


def flip_bits(data: bytes, rng: random.Random, _s: list[bytes]) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        if buf:
            k = rng.randrange(len(buf))
            buf[k] ^= 1 << rng.randrange(8)
    return bytes(buf)


def random_bytes(data: bytes, rng: random.Random, _s: list[bytes]) -> bytes:
    k = _pos(data, rng)
    return data[:k] + bytes(rng.randrange(256) for _ in range(rng.randint(1, 16))) + data[k:]


def truncate(data: bytes, rng: random.Random, _s: list[bytes]) -> bytes:
    return data[: _pos(data, rng)]


def duplicate_lines(data: bytes, rng: random.Random, _s: list[bytes]) -> bytes:
    lines = _lines(data)
    a = rng.randrange(len(lines))
    b = min(len(lines), a + rng.randint(1, 20))
    at = rng.randrange(len(lines) + 1)
    copies = rng.choice([1, 1, 2, 50])
    return b"\n".join(lines[:at] + lines[a:b] * copies + lines[at:])


def delete_lines(data: bytes, rng: random.Random, _s: list[bytes]) -> bytes:
    lines = _lines(data)
    for _ in range(rng.randint(1, 10)):
        if len(lines) > 1:
            del lines[rng.randrange(len(lines))]
    return b"\n".join(lines)


def swap_lines(data: bytes, rng: random.Random, _s: list[bytes]) -> bytes:
    lines = _lines(data)
    a, b = rng.randrange(len(lines)), rng.randrange(len(lines))
    lines[a], lines[b] = lines[b], lines[a]
    return b"\n".join(lines)


def numbers(data: bytes, rng: random.Random, _s: list[bytes]) -> bytes:
    found = list(NUMBER.finditer(data))
    if not found:
        return random_bytes(data, rng, _s)
    out = bytearray(data)
    for m in sorted(
        rng.sample(found, min(len(found), rng.randint(1, 3))), key=lambda m: -m.start()
    ):
        new = rng.choice(SPECIAL_NUMBERS).encode()
        out[m.start() : m.end()] = new
    return bytes(out)


def deep_nesting(data: bytes, rng: random.Random, _s: list[bytes]) -> bytes:
    depth = rng.choice([20, 33, 100, 600, 5000, 50000])
    kind = rng.randrange(4)
    if kind == 0:
        blob = b"[" * depth + b"]" * depth
    elif kind == 1:
        blob = b"{a: " * depth + b"1" + b"}" * depth
    elif kind == 2:
        blob = b"".join(b"\n" + b"  " * k + b"- " for k in range(min(depth, 600))) + b"x"
    else:
        blob = b"[" * depth  # unclosed
    lines = _lines(data)
    k = rng.randrange(len(lines))
    line = lines[k]
    colon = line.find(b": ")
    lines[k] = (line[: colon + 2] + blob) if colon >= 0 else (line + blob)
    return b"\n".join(lines)


def aliases(data: bytes, rng: random.Random, _s: list[bytes]) -> bytes:
    kind = rng.randrange(6)
    if kind == 0:  # billion laughs, with its top level used as a value
        levels = rng.randint(3, 12)
        block = [b'lol0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
        for i in range(1, levels):
            block.append(
                f"lol{i}: &l{i} [".encode() + b", ".join([f"*l{i - 1}".encode()] * 9) + b"]"
            )
        head = b"\n".join(block) + b"\n"
        data = re.sub(
            rb"(?m)^(description|source|name): .*$", f"\\1: *l{levels - 1}".encode(), data, count=1
        )
        return head + data
    if kind == 1:  # recursive
        return b"loop: &r [*r]\n" + data
    if kind == 2:  # undefined
        return data.replace(b": ", b": *nowhere ", 1)
    if kind == 3:  # an anchor reused many times
        lines = _lines(data)
        k = rng.randrange(len(lines))
        if b": " not in lines[k]:
            return data
        key, _, value = lines[k].partition(b": ")
        lines[k] = key + b": &v " + value
        for _ in range(rng.randint(1, 200)):
            j = rng.randrange(len(lines))
            if b": " in lines[j] and j != k:
                a, _, _b = lines[j].partition(b": ")
                lines[j] = a + b": *v"
        return b"\n".join(lines)
    if kind == 4:  # merge keys
        return b"base: &m {x: 1, y: [1, 2]}\n" + data.replace(
            b"\n  - id: ", b"\n  - <<: *m\n    id: ", 2
        )
    return b"a: &x [" + b", ".join([b"*x"] * rng.randint(1, 5)) + b"]\n" + data


def tags(data: bytes, rng: random.Random, _s: list[bytes]) -> bytes:
    lines = _lines(data)
    for _ in range(rng.randint(1, 3)):
        k = rng.randrange(len(lines))
        key, sep, _ = lines[k].partition(b": ")
        tag = rng.choice(TAGS).encode()
        lines[k] = (key + b": " + tag) if sep else (lines[k] + b" " + tag)
    return b"\n".join(lines)


def long_cell(data: bytes, rng: random.Random, _s: list[bytes]) -> bytes:
    n = rng.choice([131_073, 140_000, 300_000])
    blob = rng.choice([b"9" * n, b"x" * n, b'"' + b"y" * n + b'"', b"1." + b"0" * n])
    found = list(NUMBER.finditer(data))
    if found and rng.random() < 0.7:
        m = rng.choice(found)
        return data[: m.start()] + blob + data[m.end() :]
    k = _pos(data, rng)
    return data[:k] + blob + data[k:]


def inject(chars: list[str]) -> Callable[[bytes, random.Random, list[bytes]], bytes]:
    def mutate(data: bytes, rng: random.Random, _s: list[bytes]) -> bytes:
        for _ in range(rng.randint(1, 5)):
            k = _pos(data, rng)
            data = data[:k] + rng.choice(chars).encode() + data[k:]
        return data

    return mutate


def splice(data: bytes, rng: random.Random, seeds: list[bytes]) -> bytes:
    other = _lines(rng.choice(seeds))
    lines = _lines(data)
    k = rng.randrange(len(lines))
    lines[k : k + rng.randint(0, 3)] = [rng.choice(other) for _ in range(rng.randint(1, 5))]
    return b"\n".join(lines)


def delimiters(data: bytes, rng: random.Random, _s: list[bytes]) -> bytes:
    lines = _lines(data)
    k = rng.randrange(len(lines))
    old, new = rng.choice([(b",", b";"), (b",", b"\t"), (b"\t", b","), (b",", b",,"), (b",", b"")])
    lines[k] = lines[k].replace(old, new)
    return b"\n".join(lines)


def blank(data: bytes, rng: random.Random, _s: list[bytes]) -> bytes:
    return rng.choice(
        [b"", b"   \n\n", b"\n", b"\xef\xbb\xbf", b"---\n", b"null\n", b"[]\n", b"- a\n", b"#A"]
    )


MUTATIONS: dict[str, tuple[Callable[[bytes, random.Random, list[bytes]], bytes], float]] = {
    "flip_bits": (flip_bits, 1.0),
    "random_bytes": (random_bytes, 0.6),
    "truncate": (truncate, 0.8),
    "duplicate_lines": (duplicate_lines, 1.0),
    "delete_lines": (delete_lines, 1.0),
    "swap_lines": (swap_lines, 0.6),
    "numbers": (numbers, 2.5),
    "deep_nesting": (deep_nesting, 0.8),
    "aliases": (aliases, 0.8),
    "tags": (tags, 0.6),
    "long_cell": (long_cell, 0.5),
    "cr": (inject(["\r", "\r", "\r\n"]), 0.7),
    "nul": (inject(["\x00"]), 0.5),
    "control": (inject(CONTROL), 0.5),
    "yaml_bits": (inject(YAML_BITS), 0.6),
    "quotes": (inject(['"', "'", '"",', '"\n']), 0.5),
    "splice": (splice, 0.6),
    "delimiters": (delimiters, 0.5),
    "blank": (blank, 0.05),
}


def make_mutants(count: int, seed: int) -> tuple[list[Mutant], list[bytes]]:
    rng = random.Random(seed)
    seeds = [(name, (ROOT / name).read_bytes()) for name in SEEDS]
    blobs = [b for _, b in seeds]
    names, weights = zip(*((k, w) for k, (_, w) in MUTATIONS.items()), strict=True)
    out = []
    for _ in range(count):
        name, data = rng.choice(seeds)
        ops = rng.choices(names, weights=weights, k=rng.choice([1, 1, 2, 3]))
        for op in ops:
            data = MUTATIONS[op][0](data, rng, blobs)[:MAX_MUTANT_BYTES]
        suffix = Path(name).suffix
        if rng.random() < 0.04:
            suffix = rng.choice([".yaml", ".csv", ".tsv", ".txt", ".yml", ""])
        out.append(Mutant(seed=name, data=data, suffix=suffix, ops=list(ops)))
    return out, blobs


# ---------------------------------------------------------------------------------------------
# Running a mutant
# ---------------------------------------------------------------------------------------------


class Hang(BaseException):
    """Raised by the watchdog (a BaseException, so that nothing on the way catches it)."""


def _alarm(_signum: int, _frame: object) -> None:
    raise Hang


def _finite(obj: object) -> bool:
    if isinstance(obj, float):
        return math.isfinite(obj)
    if isinstance(obj, dict):
        return all(_finite(k) and _finite(v) for k, v in obj.items())
    if isinstance(obj, list | tuple):
        return all(_finite(v) for v in obj)
    return True


def nan_problem(path: Path) -> str | None:
    """Why the accepted file at ``path`` gives a NaN result, or None."""
    import numpy as np

    from guaranty.models import registry
    from guaranty.scenario import CaseSet, load
    from guaranty.scenario.compile import nominal_inputs, sample_inputs

    obj = load(path)
    cases = obj.cases if isinstance(obj, CaseSet) else (obj,)
    model = registry.create("compromise")
    for case in cases:
        dumped = case.model_dump(mode="python")
        if not _finite(dumped):
            return "a number of the loaded scenario is not finite"
        try:
            json.dumps(case.model_dump(mode="json"), allow_nan=False)
        except ValueError as exc:
            return f"the JSON dump fails: {exc}"
        if not case.positions:
            continue  # a scenario for credibility alone: nothing to negotiate
        rng = np.random.default_rng(0)
        for inputs in (nominal_inputs(case), sample_inputs(case, 16, rng)):
            with np.errstate(all="ignore"):
                outcome = model.run(inputs, rng).outcome
            if not np.isfinite(outcome).all():
                return "the compromise forecast is not finite"
    return None


def one_paragraph(text: str) -> bool:
    text = text.strip()
    return bool(text) and "\n\n" not in text and "Traceback" not in text


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mutants", type=int, default=2400)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "guaranty-fuzz")
    ap.add_argument("--quiet", action="store_true", help="no progress line")
    args = ap.parse_args()

    from typer.testing import CliRunner

    from guaranty.cli import app

    args.out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="mutants-", dir=args.out))
    kept = args.out / f"reproducers-seed{args.seed}"
    kept.mkdir(exist_ok=True)
    t0 = time.perf_counter()
    mutants, _ = make_mutants(args.mutants, args.seed)
    runner = CliRunner()
    signal.signal(signal.SIGALRM, _alarm)

    counts: Counter[str] = Counter()
    by_format: dict[str, Counter[str]] = {}
    tracebacks: dict[str, list[str]] = {}
    hangs: list[str] = []
    nans: list[tuple[str, str]] = []
    unclean: list[tuple[str, str]] = []
    mangled: list[tuple[str, str]] = []
    no_line: Counter[str] = Counter()
    no_line_example: dict[str, str] = {}
    slowest = (0.0, "")
    for k, m in enumerate(mutants):
        path = work / f"m{k:05d}{m.suffix}"
        path.write_bytes(m.data)
        fmt = Path(m.seed).suffix + (":" + m.seed.split("/")[-1].split(".")[0][:10])
        start = time.perf_counter()
        signal.setitimer(signal.ITIMER_REAL, WATCHDOG_S)
        try:
            result = runner.invoke(app, ["validate", str(path)])
            outcome = "?"
            if result.exit_code == 0:
                problem = nan_problem(path)
                if problem:
                    outcome = "nan"
                    nans.append((str(path), problem))
                else:
                    outcome = "accepted"
            elif result.exit_code == 2 and isinstance(result.exception, SystemExit | None):
                msg = result.stderr
                if one_paragraph(msg) and str(path) in msg:
                    outcome = "clean"
                    after = msg.split(str(path), 1)[1][:1]
                    if after not in (":", ""):
                        # the CLI prints through rich with emoji on: ":100:" becomes an emoji
                        mangled.append((str(path), msg.strip()[:200]))
                    elif not re.search(re.escape(str(path)) + r":\d+", msg):
                        kind = re.sub(r"[\d'\"].*", "", msg.split(": ", 2)[-1])[:50]
                        no_line[kind] += 1
                        no_line_example.setdefault(kind, msg.strip()[:200])
                else:
                    outcome = "unclean"
                    unclean.append((str(path), msg.strip()[:300]))
            else:
                exc = result.exception
                kind = type(exc).__name__ if exc else f"exit {result.exit_code}"
                tb = (
                    "".join(traceback.format_exception(*result.exc_info)) if result.exc_info else ""
                )
                tracebacks.setdefault(kind, []).append(str(path))
                (kept / f"{path.name}.traceback.txt").write_text(tb)
                outcome = "traceback"
        except Hang:
            outcome = "hang"
            hangs.append(str(path))
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        took = time.perf_counter() - start
        if took > slowest[0]:
            slowest = (took, f"{path.name} ({m.seed}, {'+'.join(m.ops)})")
        counts[outcome] += 1
        by_format.setdefault(fmt, Counter())[outcome] += 1
        if outcome in ("traceback", "hang", "nan", "unclean"):
            (kept / path.name).write_bytes(m.data)
            (kept / f"{path.name}.ops.txt").write_text(f"{m.seed}: {' + '.join(m.ops)}\n")
        else:
            path.unlink()
        if not args.quiet and (k + 1) % 100 == 0:
            print(
                f"  {k + 1:,} mutants, {time.perf_counter() - t0:.0f} s: "
                + ", ".join(f"{n} {c}" for n, c in sorted(counts.items())),
                file=sys.stderr,
                flush=True,
            )

    total = time.perf_counter() - t0
    n_trace = sum(len(v) for v in tracebacks.values())
    with_line = counts["clean"] - sum(no_line.values()) - len(mangled)
    print(f"guaranty input fuzz: seed {args.seed}, {len(mutants):,} mutants of {len(SEEDS)} seeds")
    print(f"  mutants          {len(mutants):6,}")
    print(
        f"  clean errors     {counts['clean']:6,}   (exit 2, one paragraph naming the file; "
        f"{with_line:,} with file:line)"
    )
    print(f"  accepted         {counts['accepted']:6,}")
    print(f"  tracebacks       {n_trace:6,}")
    for kind, paths in sorted(tracebacks.items()):
        print(f"    {kind} x{len(paths)}: first reproducer {kept / Path(paths[0]).name}")
    print(
        f"  hangs (> {WATCHDOG_S:g} s)  {len(hangs):6,}"
        + (f"   first: {kept / Path(hangs[0]).name}" if hangs else "")
    )
    print(
        f"  NaN results      {len(nans):6,}"
        + (f"   first: {kept / Path(nans[0][0]).name}: {nans[0][1]}" if nans else "")
    )
    if unclean:
        print(
            f"  unclean errors   {len(unclean):6,}   (exit 2 but not one paragraph naming the file)"
        )
        print(f"    first: {kept / Path(unclean[0][0]).name}: {unclean[0][1]!r}")
    print("  by seed (clean / accepted / other):")
    for fmt, c in sorted(by_format.items()):
        other = sum(c.values()) - c["clean"] - c["accepted"]
        print(f"    {fmt:24s} {c['clean']:5} / {c['accepted']:5} / {other}")
    if mangled:
        print(
            f"  of the clean errors, {len(mangled)} had their line number eaten by the CLI's "
            "printing (rich turns ':100:' into an emoji; cli.py's Console needs emoji=False):"
        )
        print(f"    first: {mangled[0][1]}")
    if no_line:
        print("  clean errors without a line (kind: count, example):")
        for kind, n in no_line.most_common():
            print(f"    {n:5}  {no_line_example[kind]}")
    print(f"  slowest mutant   {slowest[0]:.2f} s: {slowest[1]}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  time             {total:.0f} s, peak memory {peak:.0f} MB")
    print(f"  reproducers in   {kept}")
    return 1 if n_trace or hangs or nans or unclean else 0


if __name__ == "__main__":
    sys.exit(main())
