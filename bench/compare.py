"""Side by side: each bench on a git revision and on this work tree, alternately, and the ratio of their figures.

REV is checked out into a temporary git worktree; both sides run in this interpreter's environment (the
same installed dependencies), each with its own tree first on the import path (`PYTHONPATH` and the working
directory), so REV's benches run REV's engine, and the work tree's run the work tree's, uncommitted changes
included. Before measuring, each side is asked where `engine`, `bench`, `pbxsim` and `tests` come from; a side
importing from the other's tree stops the comparison.

Each bench runs `--runs` times per side, one process at a time and alternating (REV, work, REV, work, ...),
so a slow stretch of the machine falls on both sides. The figures are read from the bench's printed lines by
the regexes in BENCHES, which match what the benches print today (REV's benches print the same lines). A
bench may be given arguments that run only the part compared; they are used only when both sides' bench
accepts them (its `--help` names them), otherwise both sides run the bench in full: the two sides always run
the same thing. Per figure it prints each side's median, run-to-run spread (min-max, and that range as a
share of the median) and the ratio work/REV of the medians. Figures, never a verdict.

Run: .venv/bin/python -m bench.compare REV [--runs 5] [--only NAME ...]
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("engine", "bench", "pbxsim", "tests")
RUN_TIMEOUT_S = 1800.0


@dataclasses.dataclass(frozen=True, slots=True)
class Figure:
    label: str
    pattern: re.Pattern[str]  # one group: the number, as printed (commas allowed)
    unit: str
    digits: int = 0
    lower_is_better: bool = False


@dataclasses.dataclass(frozen=True, slots=True)
class Bench:
    module: str
    figures: tuple[Figure, ...]
    # Arguments that run only the part compared; used when both sides' bench names every flag in its --help.
    narrowing: tuple[str, ...] = ()


def _figure(label: str, pattern: str, unit: str, digits: int = 0, lower_is_better: bool = False) -> Figure:
    return Figure(label, re.compile(pattern, re.MULTILINE), unit, digits, lower_is_better)


BENCHES: dict[str, Bench] = {
    "acd_core": Bench("bench.acd_core", (
        # events handled: 58795 in 1.86 s = 31,683 decisions/s
        _figure("ACD decisions/s", r"^events handled: .* = ([\d,]+) decisions/s$", "/s"),
    )),
    "event_store": Bench("bench.event_store", (
        # stored rate: 59,613 events/s in 201 batches (mean 498 per COPY)
        _figure("event store, stored events/s", r"^stored rate: ([\d,]+) events/s", "/s"),
    )),
    "ami_adapter": Bench("bench.ami_adapter", (
        # adapter (framing, decode, typing, queue, consumer):      102,079 events/s  (110% of panoramisk; ...)
        _figure("AMI adapter, typed events/s", r"^adapter \(framing[^)]*\):\s+([\d,]+) events/s", "/s"),
    )),
    "ari_adapter": Bench("bench.ari_adapter", (
        # websocket -> typed     :    50,851 events/s (100,000 frames over loopback)
        _figure("ARI adapter, WS events/s", r"^websocket -> typed\s*:\s*([\d,]+) events/s", "/s"),
    )),
    "routing_latency": Bench("bench.routing_latency", (
        # [~1,000 concurrent, 10/s] 74-104 s: 300 callers (10.0/s), ...
        #   enqueue -> at pbxsim            p50   2.50  p99   5.80  max   9.10 ms
        _figure("routing p99 at ~1,000 calls, enqueue -> at pbxsim",
                r"^\[~1,000 concurrent[^\n]*\n  enqueue -> at pbxsim +p50 +[\d.]+ +p99 +([\d.]+) ", "ms",
                digits=2, lower_is_better=True),
    ), narrowing=("--rates", "")),  # the latency session only: no rate steps
}  # fmt: skip


def extract(bench: Bench, output: str) -> dict[str, float | None]:
    """Each figure's value in one run's output; None where its line is not there (or says "no samples")."""
    found: dict[str, float | None] = {}
    for figure in bench.figures:
        match = figure.pattern.search(output)
        found[figure.label] = float(match.group(1).replace(",", "")) if match else None
    return found


@dataclasses.dataclass(frozen=True, slots=True)
class Summary:
    median: float
    low: float
    high: float

    @property
    def spread(self) -> float:
        """The min-max range as a share of the median."""
        return (self.high - self.low) / self.median if self.median else float("nan")


def summarize(values: Sequence[float | None]) -> Summary | None:
    present = [value for value in values if value is not None]
    if not present:
        return None
    return Summary(statistics.median(present), min(present), max(present))


def narrowing_arguments(bench: Bench, accepted: Sequence[bool]) -> tuple[str, ...]:
    """The narrowing arguments if every side's bench accepts them, else none: both sides run the same."""
    return bench.narrowing if bench.narrowing and all(accepted) else ()


def _flags(arguments: Sequence[str]) -> list[str]:
    return [argument for argument in arguments if argument.startswith("--")]


def _environment(tree: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(tree)}


def _python(tree: Path, arguments: Sequence[str], timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *arguments], cwd=tree, env=_environment(tree), capture_output=True,
                          text=True, timeout=timeout, check=False)  # fmt: skip


def accepts(tree: Path, bench: Bench) -> bool:
    if not bench.narrowing:
        return True
    shown = _python(tree, ["-m", bench.module, "--help"], 120.0)
    return shown.returncode == 0 and all(flag in shown.stdout for flag in _flags(bench.narrowing))


def check_imports(tree: Path) -> None:
    """Stops unless this side imports its packages from its own tree."""
    probe = "import importlib, sys\nfor name in sys.argv[1:]:\n    print(importlib.import_module(name).__path__[0])"
    shown = _python(tree, ["-c", probe, *PACKAGES], 120.0)
    if shown.returncode != 0:
        raise SystemExit(f"bench.compare: importing {', '.join(PACKAGES)} in {tree} failed:\n{shown.stderr}")
    for name, where in zip(PACKAGES, shown.stdout.split(), strict=True):
        if not Path(where).resolve().is_relative_to(tree.resolve()):
            raise SystemExit(f"bench.compare: in {tree}, `{name}` comes from {where}, not from that tree")


def run_bench(tree: Path, bench: Bench, arguments: Sequence[str]) -> tuple[dict[str, float | None], str]:
    """One run: its figures, and what went wrong ("" when every figure was found)."""
    try:
        done = _python(tree, ["-m", bench.module, *arguments], RUN_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return {figure.label: None for figure in bench.figures}, f"timed out after {RUN_TIMEOUT_S:.0f} s"
    figures = extract(bench, done.stdout)
    problem = ""
    if done.returncode != 0:
        problem = f"exit code {done.returncode}: " + " | ".join(done.stderr.strip().splitlines()[-3:])
    elif None in figures.values():
        problem = "no figure for " + ", ".join(label for label, value in figures.items() if value is None)
    return figures, problem


@contextlib.contextmanager
def checkout(rev: str) -> Iterator[tuple[Path, str]]:
    """REV in a temporary detached git worktree, removed afterwards."""
    found = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"],
                           capture_output=True, text=True, check=False)  # fmt: skip
    if found.returncode != 0:
        raise SystemExit(f"bench.compare: {rev!r} names no commit")
    commit = found.stdout.strip()
    folder = Path(tempfile.mkdtemp(prefix="callhive-compare-"))
    tree = folder / "rev"
    # Benches older than the in-repository recordings read them from `shared/asterisk` beside their checkout:
    # that neighbour is made from this tree's copy (tests/recordings/asterisk), so both sides read the same bytes.
    (folder / "shared").mkdir()
    (folder / "shared" / "asterisk").symlink_to(REPO / "tests" / "recordings" / "asterisk", target_is_directory=True)
    try:
        subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", "--quiet", str(tree), commit],
                       check=True)  # fmt: skip
        yield tree, commit
    finally:
        if tree.exists():
            subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(tree)], check=False)
        shutil.rmtree(folder, ignore_errors=True)


def describe_work_tree() -> str:
    head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True,
                          text=True, check=False).stdout.strip()  # fmt: skip
    dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True, check=False).stdout.strip()  # fmt: skip
    return f"{head} + uncommitted changes" if dirty else f"{head}, clean"


def _number(value: float, figure: Figure) -> str:
    return f"{value:,.{figure.digits}f}"


def _shown(value: float | None, figure: Figure) -> str:
    return "-" if value is None else _number(value, figure)


def _side(summary: Summary | None, figure: Figure, runs: int, count: int) -> str:
    if summary is None:
        return "no figure"
    missing = f", {runs - count} missing" if count < runs else ""
    return (f"{_number(summary.median, figure)} ({_number(summary.low, figure)}-{_number(summary.high, figure)}, "
            f"{summary.spread:.1%}{missing})")  # fmt: skip


def report_lines(figure: Figure, rev: Sequence[float | None], work: Sequence[float | None]) -> list[str]:
    """The figure's block: each side's median (min-max, range as a share of the median) and work/REV."""
    rev_summary, work_summary = summarize(rev), summarize(work)
    better = "lower" if figure.lower_is_better else "higher"
    ratio = (f"{work_summary.median / rev_summary.median:.3f}" if rev_summary and work_summary
             and rev_summary.median else "n/a")  # fmt: skip
    count = sum(value is not None for value in rev), sum(value is not None for value in work)
    return [
        f"{figure.label} ({figure.unit}, {better} is better)",
        f"  REV   median {_side(rev_summary, figure, len(rev), count[0])}",
        f"  work  median {_side(work_summary, figure, len(work), count[1])}",
        f"  work/REV {ratio}",
    ]


def compare(name: str, bench: Bench, trees: Mapping[str, Path], runs: int) -> list[str]:
    arguments = narrowing_arguments(bench, [accepts(tree, bench) for tree in trees.values()])
    if bench.narrowing and not arguments:
        print(f"  {name}: a side's bench lacks {' '.join(_flags(bench.narrowing))}: both run it in full",
              file=sys.stderr)  # fmt: skip
    values: dict[str, dict[str, list[float | None]]] = {side: {f.label: [] for f in bench.figures} for side in trees}
    for run in range(1, runs + 1):
        for side, tree in trees.items():
            figures, problem = run_bench(tree, bench, arguments)
            for label, value in figures.items():
                values[side][label].append(value)
            shown = ", ".join(_shown(figures[f.label], f) for f in bench.figures)
            print(f"  {name} run {run}/{runs} on {side}: {shown}{'; ' + problem if problem else ''}",
                  file=sys.stderr, flush=True)  # fmt: skip
    command = " ".join([f"python -m {bench.module}", *(repr(a) if a == "" else a for a in arguments)])
    lines = [f"\n== {name}: {command}"]
    for figure in bench.figures:
        lines.extend(report_lines(figure, values["REV"][figure.label], values["work"][figure.label]))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("rev", help="the git revision to compare the work tree with")
    parser.add_argument("--runs", type=int, default=5, help="runs of each bench on each side (default 5)")
    parser.add_argument("--only", nargs="+", choices=sorted(BENCHES), metavar="NAME",
                        help=f"these benches only, of: {', '.join(BENCHES)}")  # fmt: skip
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    chosen = [name for name in BENCHES if not args.only or name in args.only]
    with checkout(args.rev) as (rev_tree, commit):
        trees = {"REV": rev_tree, "work": REPO}
        for tree in trees.values():
            check_imports(tree)
        print(f"bench.compare: REV {args.rev} = {commit[:12]} against the work tree ({describe_work_tree()}); "
              f"{args.runs} alternating run(s) per side, one process at a time; spread = min-max, and that range "
              "as a share of the median")  # fmt: skip
        rev_project = subprocess.run(["git", "-C", str(REPO), "diff", "--quiet", commit, "--", "pyproject.toml"],
                                     check=False)  # fmt: skip
        if rev_project.returncode != 0:
            print(f"note: pyproject.toml differs between REV and the work tree; both sides run in {sys.prefix}")
        sys.stdout.flush()
        for name in chosen:
            print("\n".join(compare(name, BENCHES[name], trees, args.runs)), flush=True)


if __name__ == "__main__":
    main()
