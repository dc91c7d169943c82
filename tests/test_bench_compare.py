"""bench.compare reads the right number from each bench's printed lines, summarizes runs honestly, and refuses a side
that imports another tree's code.

The samples are the benches' own output, captured from one run of each (routing_latency with `--rates ''`,
cut to its windows); no bench runs here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.compare import BENCHES, REPO, check_imports, extract, narrowing_arguments, report_lines, summarize

ACD_CORE = """\
agents 1000, queues 20, waiting kept at ~512
events handled: 58795 in 1.86 s = 31,683 decisions/s
per event: p50 18 us, p99 91 us
new caller, 300 of 1,300 agents idle and matching: 24,452 decisions/s, Acd.handle(CallEnqueued) p50 41 us, p99 81 us
new caller, 1200 of 1,300 agents idle and matching: 34,949 decisions/s, Acd.handle(CallEnqueued) p50 24 us, p99 66 us
"""

EVENT_STORE = """\
events published and stored: 100000 of 100000 in 1.68 s
stored rate: 59,613 events/s in 201 batches (mean 498 per COPY)
publish() on the routing path: p50 2.5 us, p99 7.6 us
"""

AMI_ADAPTER = """\
input: 938 recorded events from 6 queue-call sessions, repeated to 199794 events, 75.4 MB in 18398 reads of 4096 B
panoramisk parse (data_received -> dispatch):             93,216 events/s
panoramisk + Manager.dispatch to one '*' callback:        77,976 events/s
adapter (framing, decode, typing, queue, consumer):      102,079 events/s  (110% of panoramisk; goal >= 80%)
mix (first 10%): VarSet 8030, DeviceStateChange 1911, Newexten 1550, Newstate 658, Newchannel 594, Hangup 593 ...
"""

ARI_ADAPTER = """\
recorded frames: 438 from 8 transcripts
decoder alone          :    62,115 typed events/s
websocket -> typed     :    50,851 events/s (100,000 frames over loopback)
REST round-trips       :     3,494 /s sequential (5,000 requests: GET channel, POST answer 204, POST play 201)
REST round-trips       :     5,828 /s with 20 in flight
"""

ROUTING_LATENCY = """\

=== latency: 1,300 agents (all matching), one longest-idle queue; engine, pbxsim and embedded PostgreSQL in 3 \
processes; 2 CPUs, wall clock

[~100 concurrent, 10/s] 27-57 s: 304 callers (10.1/s), calls up at arrival p50 109 (min 84, max 132); fates \
(pbxsim): connected 304; not offered at their enqueue: 0
  enqueue -> at pbxsim            p50   2.09  p99   5.77  max   9.22 ms
  wire StasisStart -> at pbxsim   p50   2.85  p99   7.60  max  11.50 ms
    wire -> engine StasisStart    p50   0.57  p99   2.73  max   3.35 ms

[ramp to ~1,000, 40/s] 62-92 s: 1212 callers (40.4/s), calls up at arrival p50 560 (min 97, max 1039); fates \
(pbxsim): connected 1212; not offered at their enqueue: 0
  enqueue -> at pbxsim            p50   1.73  p99   6.32  max  10.62 ms
  wire StasisStart -> at pbxsim   p50   2.39  p99  10.12  max  13.42 ms

[~1,000 concurrent, 10/s] 97-127 s: 297 callers (9.9/s), calls up at arrival p50 1036 (min 1023, max 1060); fates \
(pbxsim): connected 295, waiting 2; not offered at their enqueue: 0
  enqueue -> at pbxsim            p50   2.51  p99  11.17  max  21.49 ms
  wire StasisStart -> at pbxsim   p50   3.50  p99  12.00  max  25.90 ms
    wire -> engine StasisStart    p50   0.61  p99   4.16  max   4.51 ms
  event-loop lag p50   0.27  p99   4.47  max   9.57 ms

all callers (pbxsim's side): 2074: connected 2072, waiting 2
"""


@pytest.mark.parametrize(
    ("name", "output", "expected"),
    [
        ("acd_core", ACD_CORE, 31683.0),
        ("event_store", EVENT_STORE, 59613.0),
        ("ami_adapter", AMI_ADAPTER, 102079.0),
        ("ari_adapter", ARI_ADAPTER, 50851.0),
        ("routing_latency", ROUTING_LATENCY, 11.17),  # the ~1,000 window's p99, not the ~100 one or the ramp's
    ],
)
def test_each_bench_figure_read_from_its_output(name: str, output: str, expected: float) -> None:
    bench = BENCHES[name]
    assert extract(bench, output) == {figure.label: expected for figure in bench.figures}


def test_a_figure_whose_line_is_missing_or_empty_is_none() -> None:
    bench = BENCHES["routing_latency"]
    figures = "p50   2.51  p99  11.17  max  21.49 ms"
    assert figures in ROUTING_LATENCY
    no_samples = ROUTING_LATENCY.replace(figures, "no samples")
    assert set(extract(bench, no_samples).values()) == {None}
    assert set(extract(BENCHES["acd_core"], EVENT_STORE).values()) == {None}
    # A crashed run's partial output: the header without its figures.
    assert set(extract(BENCHES["ami_adapter"], AMI_ADAPTER.splitlines()[0]).values()) == {None}


def test_summary_median_spread_and_ratio() -> None:
    rev = summarize([100.0, 90.0, 110.0, None, 105.0])
    assert rev is not None
    assert (rev.median, rev.low, rev.high) == (102.5, 90.0, 110.0)
    assert rev.spread == pytest.approx(20.0 / 102.5)
    assert summarize([None, None]) is None
    figure = BENCHES["acd_core"].figures[0]
    lines = report_lines(figure, [100.0, 90.0, 110.0], [120.0, 121.0, 119.0])
    assert lines[1] == "  REV   median 100 (90-110, 20.0%)"
    assert lines[2] == "  work  median 120 (119-121, 1.7%)"
    assert lines[3] == "  work/REV 1.200"
    assert report_lines(figure, [None, 100.0], [None, None])[1:] == [
        "  REV   median 100 (100-100, 0.0%, 1 missing)",
        "  work  median no figure",
        "  work/REV n/a",
    ]


def test_narrowing_arguments_only_when_both_sides_accept_them() -> None:
    routing = BENCHES["routing_latency"]
    assert narrowing_arguments(routing, [True, True]) == ("--rates", "")
    assert narrowing_arguments(routing, [False, True]) == ()
    assert narrowing_arguments(BENCHES["acd_core"], [True, True]) == ()


def test_a_side_importing_another_trees_code_is_refused(tmp_path: Path) -> None:
    check_imports(REPO)  # this checkout imports its own packages
    for name in ("bench", "pbxsim", "tests"):  # but no engine/: it would come from the installed work tree
        (tmp_path / name).mkdir()
        (tmp_path / name / "__init__.py").write_text("")
    with pytest.raises(SystemExit, match="`engine` comes from"):
        check_imports(tmp_path)
