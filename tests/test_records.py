"""The call-record projection, pure: facts in, rows of calls / call_segments / queue_log out."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from engine.core.event_record import EventRecord, EventSource
from engine.core.records import (
    CallRecords,
    CallRow,
    Kind,
    QueueLogLine,
    RowOp,
    SegmentRow,
    WrapUpRecorded,
    queue_log_text,
)
from tests.fact_helpers import complete
from tests.recorded import RECORDINGS

T0 = 1_795_600_000.0


class Feed:
    """Facts as the runtime publishes them (source engine, type = kind, body = data), one second apart
    unless told, and everything the projection says about them."""

    def __init__(self, memberships: dict[str, list[str]] | None = None, records: CallRecords | None = None) -> None:
        self.records = records or CallRecords(memberships)
        self.seq = 0
        self.ops: list[RowOp] = []
        self.facts: list[EventRecord] = []

    def __call__(self, at: float, kind: str, call_id: str | None = None, *, agent: str | None = None,
                 queue: str | None = None, leg: str | None = None, **body: Any) -> list[RowOp]:
        self.seq += 1
        record = EventRecord(self.seq, T0 + at, EventSource.ENGINE, kind, call_id=call_id, leg_id=leg,
                             agent_id=agent, queue=queue, body=complete(kind, body))
        self.facts.append(record)
        ops = self.records.apply(record)
        self.ops.extend(ops)
        return ops

    def call(self, call_id: str) -> CallRow:
        return [op for op in self.ops if isinstance(op, CallRow) and op.call_id == call_id][-1]

    def segments(self, call_id: str, kind: Kind | None = None) -> list[SegmentRow]:
        """The segments as last written, in the order they opened."""
        latest: dict[str, SegmentRow] = {}
        for op in self.ops:
            if isinstance(op, SegmentRow) and op.call_id == call_id and kind in (None, op.kind):
                latest[op.key] = op
        return list(latest.values())

    def log(self) -> list[str]:
        """queue_log lines without the timestamp (each fact's lines in order)."""
        return [queue_log_text(op).split("|", 1)[1] for op in self.ops if isinstance(op, QueueLogLine)]


def started(feed: Feed, at: float, call_id: str = "c1", queue: str = "sales") -> None:
    feed(at, "CallStarted", call_id, queue=queue, leg=f"{call_id}-in", number="5000", caller="5551001",
         caller_name="Ada")


def test_answered_call_from_start_to_wrap_up() -> None:
    feed = Feed()
    started(feed, 0)
    feed(0, "CallerEnqueued", "c1", queue="sales", leg="c1-in", position=1, priority=0, caller="5551001")
    feed(2, "AgentOffered", "c1", agent="1001", queue="sales", leg="c1-a1", position=1)
    feed(3, "AgentRinging", "c1", agent="1001", queue="sales", leg="c1-a1")
    feed(8, "AgentConnected", "c1", agent="1001", queue="sales", leg="c1-a1", wait_s=8.0, ring_s=6.0, position=1)
    feed(20, "CallHeld", "c1", agent="1001", leg="c1-a1")
    feed(30, "CallUnheld", "c1", agent="1001", leg="c1-a1")
    feed(68, "CallCompleted", "c1", agent="1001", queue="sales", by="caller", talk_s=60.0, agent_leg="c1-a1")
    wrap = feed(98, "AgentWrapUpEnded", "c1", agent="1001", queue="sales", wrapup_s=30.0)

    assert feed.call("c1") == CallRow("c1", T0, "5000", "5551001", "Ada", T0 + 68, "completed")
    visit, leg = feed.segments("c1")
    assert (visit.kind, visit.key, visit.queue, visit.entered_at, visit.left_at) == (
        Kind.QUEUE, "queue:2", "sales", T0, T0 + 8)
    assert (visit.position_entry, visit.position_exit, visit.result) == (1, 1, "answered")
    assert (leg.kind, leg.key, leg.agent_id, leg.leg_id, leg.entered_at, leg.left_at) == (
        Kind.AGENT, "agent:c1-a1", "1001", "c1-a1", T0 + 2, T0 + 68)
    assert (leg.result, leg.detail, leg.ring_s, leg.talk_s, leg.hold_s, leg.wrapup_s) == (
        "completed", "caller", 6.0, 60.0, 10.0, 30.0)
    assert wrap == [replace(leg, wrapup_s=30.0)]
    assert feed.log() == [
        "c1|sales|NONE|ENTERQUEUE||5551001|1",
        "c1|sales|1001|CONNECT|8|c1-a1|6",
        "c1|sales|1001|COMPLETECALLER|8|60|1",
    ]
    assert feed.records.open_calls == ()


def test_a_missed_offer_then_an_answer_gives_two_agent_segments() -> None:
    feed = Feed()
    started(feed, 0)
    feed(0, "CallerEnqueued", "c1", queue="sales", leg="c1-in", position=1, caller="5551001")
    feed(1, "AgentOffered", "c1", agent="1001", queue="sales", leg="c1-a1", position=1)
    feed(16, "AgentMissed", "c1", agent="1001", queue="sales", leg="c1-a1", failure="no_answer", ring_s=15.0)
    feed(16, "AgentOffered", "c1", agent="1002", queue="sales", leg="c1-a2", position=1)
    feed(20, "AgentConnected", "c1", agent="1002", queue="sales", leg="c1-a2", wait_s=20.0, ring_s=4.0)
    feed(50, "CallCompleted", "c1", agent="1002", queue="sales", by="agent", talk_s=30.0, agent_leg="c1-a2")

    [visit] = feed.segments("c1", Kind.QUEUE)
    missed, answered = feed.segments("c1", Kind.AGENT)
    assert (visit.result, visit.left_at) == ("answered", T0 + 20)
    assert (missed.agent_id, missed.result, missed.ring_s, missed.left_at, missed.talk_s) == (
        "1001", "no_answer", 15.0, T0 + 16, None)
    assert (answered.agent_id, answered.result, answered.detail, answered.talk_s) == ("1002", "completed", "agent",
                                                                                      30.0)
    assert feed.log()[1:] == [
        "c1|sales|1001|RINGNOANSWER|15000",
        "c1|sales|1002|CONNECT|20|c1-a2|4",
        "c1|sales|1002|COMPLETEAGENT|20|30|1",
    ]


@pytest.mark.parametrize("cancel_reported", [True, False])
def test_ring_all_loser_is_cancelled_not_missed(cancel_reported: bool) -> None:
    feed = Feed()
    feed(0, "CallerEnqueued", "c1", queue="sales", leg="c1-in", position=1, caller="5551001")
    feed(1, "AgentOffered", "c1", agent="1001", queue="sales", leg="c1-a1", position=1)
    feed(1, "AgentOffered", "c1", agent="1002", queue="sales", leg="c1-a2", position=1)
    if cancel_reported:
        feed(5, "AgentOfferCancelled", "c1", agent="1001", queue="sales", leg="c1-a1", why="answered elsewhere",
             ring_s=4.0)
    feed(5, "AgentConnected", "c1", agent="1002", queue="sales", leg="c1-a2", wait_s=5.0, ring_s=4.0)

    lost, won = feed.segments("c1", Kind.AGENT)
    assert (lost.result, lost.detail, lost.left_at, lost.ring_s) == ("cancelled", "answered elsewhere", T0 + 5, 4.0)
    assert won.result == "answered"
    assert ("c1|sales|1001|RINGCANCELED|4000" in feed.log()) is cancel_reported
    # The call started without a CallStarted the records saw: it is opened at its first fact.
    assert feed.call("c1") == CallRow("c1", T0, None, "5551001")


def test_abandon_while_an_agent_rings() -> None:
    feed = Feed()
    started(feed, 0)
    feed(0, "CallerEnqueued", "c1", queue="sales", leg="c1-in", position=2, caller="5551001")
    feed(6, "CallerAnnounced", "c1", queue="sales", leg="c1-in", position=1, estimated_wait_s=30.0)
    feed(9, "AgentOffered", "c1", agent="1001", queue="sales", leg="c1-a1", position=1)
    feed(12, "AgentOfferCancelled", "c1", agent="1001", queue="sales", leg="c1-a1", why="caller hung up", ring_s=3.0)
    feed(12, "CallerAbandoned", "c1", queue="sales", leg="c1-in", wait_s=12.0, position=1)

    assert feed.call("c1").outcome == "abandoned" and feed.call("c1").ended_at == T0 + 12
    [visit] = feed.segments("c1", Kind.QUEUE)
    [leg] = feed.segments("c1", Kind.AGENT)
    assert (visit.result, visit.position_entry, visit.position_exit, visit.left_at) == ("abandoned", 2, 1, T0 + 12)
    assert (leg.result, leg.detail) == ("cancelled", "caller hung up")
    assert feed.log()[-2:] == ["c1|sales|1001|RINGCANCELED|3000", "c1|sales|NONE|ABANDON|1|2|12"]
    assert feed.records.open_calls == ()


def test_overflow_keeps_one_call_with_two_queue_segments() -> None:
    feed = Feed()
    started(feed, 0)
    feed(0, "CallerEnqueued", "c1", queue="sales", leg="c1-in", position=1, caller="5551001")
    feed(30, "CallOverflowed", "c1", queue="sales", leg="c1-in", why="max wait", target="queue",
         destination="backup", wait_s=30.0, position=1)
    feed(30, "CallerEnqueued", "c1", queue="backup", leg="c1-in", position=1, caller="5551001")
    feed(31, "AgentOffered", "c1", agent="2001", queue="backup", leg="c1-a1", position=1)
    feed(35, "AgentConnected", "c1", agent="2001", queue="backup", leg="c1-a1", wait_s=5.0, ring_s=4.0)
    feed(95, "CallCompleted", "c1", agent="2001", queue="backup", by="caller", talk_s=60.0, agent_leg="c1-a1")

    sales, backup = feed.segments("c1", Kind.QUEUE)
    assert (sales.queue, sales.result, sales.detail, sales.entered_at, sales.left_at, sales.position_exit) == (
        "sales", "overflowed", "max wait -> queue:backup", T0, T0 + 30, 1)
    assert (backup.queue, backup.result, backup.entered_at, backup.left_at) == ("backup", "answered", T0 + 30, T0 + 35)
    assert {op.call_id for op in feed.ops if isinstance(op, CallRow)} == {"c1"}
    assert feed.call("c1").outcome == "completed"
    assert feed.log() == [
        "c1|sales|NONE|ENTERQUEUE||5551001|1",
        "c1|sales|NONE|EXITWITHTIMEOUT|1|1|30",
        "c1|backup|NONE|ENTERQUEUE||5551001|1",
        "c1|backup|2001|CONNECT|5|c1-a1|4",
        "c1|backup|2001|COMPLETECALLER|5|60|1",
    ]


def test_refused_at_the_door_is_a_visit_of_no_length() -> None:
    feed = Feed()
    started(feed, 0)
    feed(0, "CallRefused", "c1", queue="sales", why="full", position=11)

    [visit] = feed.segments("c1")
    assert (visit.entered_at, visit.left_at, visit.result, visit.detail) == (T0, T0, "refused", "full")
    assert (visit.position_entry, visit.position_exit) == (None, None)  # it never held a place
    assert feed.call("c1").outcome == "refused"
    assert feed.log() == ["c1|sales|NONE|FULL"]


def test_refused_after_the_max_wait_leaves_the_line() -> None:
    feed = Feed()
    feed(0, "CallerEnqueued", "c1", queue="sales", leg="c1-in", position=3, caller="5551001")
    feed(120, "CallRefused", "c1", queue="sales", why="max wait", position=2)

    [visit] = feed.segments("c1")
    assert (visit.left_at, visit.result, visit.position_exit) == (T0 + 120, "refused", 2)
    assert feed.log()[-1] == "c1|sales|NONE|EXITWITHTIMEOUT|2|3|120"
    assert feed.call("c1").outcome == "refused"


def test_voicemail_at_the_door_and_from_the_line() -> None:
    feed = Feed()
    started(feed, 0, "c1")
    feed(0, "CallOverflowed", "c1", queue="sales", leg="c1-in", why="no agents", target="voicemail",
         destination="9000@callhive", wait_s=0.0, position=1)
    started(feed, 10, "c2")
    feed(10, "CallerEnqueued", "c2", queue="sales", leg="c2-in", position=1, caller="5551001")
    feed(40, "CallOverflowed", "c2", queue="sales", leg="c2-in", why="estimated wait", target="voicemail",
         destination="9000@callhive", wait_s=30.0, position=1)

    [door] = feed.segments("c1")
    [line] = feed.segments("c2")
    assert (door.result, door.detail, door.left_at) == ("overflowed", "no agents -> voicemail:9000@callhive", T0)
    assert (line.result, line.left_at, line.position_exit) == ("overflowed", T0 + 40, 1)
    assert (feed.call("c1").outcome, feed.call("c2").outcome) == ("voicemail", "voicemail")
    # JOINEMPTY is Asterisk's; a reason Asterisk has no verb for gets callhive's OVERFLOW with why and target.
    assert feed.log() == ["c1|sales|NONE|JOINEMPTY", "c2|sales|NONE|ENTERQUEUE||5551001|1",
                          "c2|sales|NONE|OVERFLOW|estimated wait|voicemail"]
    assert feed.records.open_calls == ()


def test_transfer_to_a_queue_keeps_one_call() -> None:
    feed = Feed()
    feed(0, "CallerEnqueued", "c1", queue="sales", leg="c1-in", position=1, caller="5551001")
    feed(1, "AgentOffered", "c1", agent="1001", queue="sales", leg="c1-a1", position=1)
    feed(5, "AgentConnected", "c1", agent="1001", queue="sales", leg="c1-a1", wait_s=5.0, ring_s=4.0)
    feed(45, "CallTransferred", "c1", agent="1001", queue="sales", leg="c1-a1", to_queue="support", to_agent=None,
         talk_s=40.0)
    feed(45, "CallerEnqueued", "c1", queue="support", leg="c1-in", position=1, caller="5551001")
    feed(50, "AgentWrapUpEnded", "c1", agent="1001", queue="sales", wrapup_s=5.0)
    feed(52, "AgentOffered", "c1", agent="2001", queue="support", leg="c1-a2", position=1)
    feed(55, "AgentConnected", "c1", agent="2001", queue="support", leg="c1-a2", wait_s=10.0, ring_s=3.0)
    feed(75, "CallCompleted", "c1", agent="2001", queue="support", by="agent", talk_s=20.0, agent_leg="c1-a2")

    first, second = feed.segments("c1", Kind.AGENT)
    assert (first.result, first.detail, first.talk_s, first.left_at) == ("transferred", "queue:support", 40.0, T0 + 45)
    assert (second.result, second.talk_s) == ("completed", 20.0)
    assert [v.result for v in feed.segments("c1", Kind.QUEUE)] == ["answered", "answered"]
    assert (first.wrapup_s, second.wrapup_s) == (5.0, None)
    assert "c1|sales|1001|TRANSFER|support|queue|5|40|1" in feed.log()


def test_callback_keeps_the_call_through_a_failed_and_a_reached_attempt() -> None:
    feed = Feed()
    started(feed, 0)
    feed(0, "CallerEnqueued", "c1", queue="sales", leg="c1-in", position=4, caller="5551001")
    feed(30, "CallerAnnounced", "c1", queue="sales", leg="c1-in", position=3, estimated_wait_s=200.0)
    feed(35, "CallbackRequested", "c1", queue="sales", leg="c1-in", number="5551001", position=3, wait_s=35.0)
    feed(100, "CallbackDialed", "c1", agent="1001", queue="sales", leg="c1-b1", number="5551001", attempt=1)
    feed(130, "CallbackNotReached", "c1", queue="sales", leg="c1-b1", failure="busy", attempt=1, given_up=False)
    feed(250, "CallbackDialed", "c1", agent="1001", queue="sales", leg="c1-b2", number="5551001", attempt=2)
    feed(256, "CallbackAnswered", "c1", agent="1001", queue="sales", leg="c1-b2")
    feed(256, "AgentOffered", "c1", agent="1001", queue="sales", leg="c1-a3", position=0)
    feed(260, "AgentConnected", "c1", agent="1001", queue="sales", leg="c1-a3", wait_s=260.0, ring_s=4.0)
    feed(300, "CallCompleted", "c1", agent="1001", queue="sales", by="caller", talk_s=40.0, agent_leg="c1-a3")

    [visit] = feed.segments("c1", Kind.QUEUE)
    assert (visit.result, visit.detail, visit.left_at, visit.position_exit) == ("callback", "5551001", T0 + 35, 3)
    tries = feed.segments("c1", Kind.CALLBACK)
    assert [(t.leg_id, t.agent_id, t.result, t.ring_s) for t in tries] == [
        ("c1-b1", "1001", "busy", 30.0), ("c1-b2", "1001", "answered", 6.0)]
    [leg] = feed.segments("c1", Kind.AGENT)
    assert (leg.result, leg.talk_s) == ("completed", 40.0)
    assert feed.call("c1").outcome == "completed"
    assert "c1|sales|NONE|EXITWITHKEY|1|3|4|35" in feed.log()


def test_callback_given_up_ends_the_call() -> None:
    feed = Feed()
    feed(0, "CallerEnqueued", "c1", queue="sales", leg="c1-in", position=1, caller="5551001")
    feed(5, "CallbackRequested", "c1", queue="sales", leg="c1-in", number="5551001", position=1, wait_s=5.0)
    feed(60, "CallbackDialed", "c1", agent="1001", queue="sales", leg="c1-b1", number="5551001", attempt=1)
    feed(90, "CallbackNotReached", "c1", queue="sales", leg="c1-b1", failure="no_answer", attempt=1, given_up=True)
    feed(90, "CallbackGivenUp", "c1", queue="sales", attempts=1)
    assert (feed.call("c1").outcome, feed.call("c1").ended_at) == ("callback_given_up", T0 + 90)
    assert feed.records.open_calls == ()


def test_agent_status_changes_are_written_per_queue_of_the_agent() -> None:
    feed = Feed({"1001": ["sales", "support"]})
    feed(0, "AgentStatusChanged", agent="1001", status="available", reason=None)
    feed(1, "AgentStatusChanged", agent="1001", status="on_break", reason="lunch")
    feed(2, "AgentStatusChanged", agent="1001", status="on_break", reason="training")
    feed(3, "AgentStatusChanged", agent="1001", status="available", reason=None)
    feed(4, "AgentStatusChanged", agent="1001", status="logged_out", reason=None)
    feed(5, "AgentStatusChanged", agent="9999", status="available", reason=None)
    assert feed.log() == [
        "NONE|sales|1001|ADDMEMBER|", "NONE|support|1001|ADDMEMBER|",
        "NONE|sales|1001|PAUSE|lunch", "NONE|support|1001|PAUSE|lunch",
        "NONE|sales|1001|PAUSE|training", "NONE|support|1001|PAUSE|training",
        "NONE|sales|1001|UNPAUSE|", "NONE|support|1001|UNPAUSE|",
        "NONE|sales|1001|REMOVEMEMBER|", "NONE|support|1001|REMOVEMEMBER|",
        "NONE|NONE|9999|ADDMEMBER|",
    ]
    lines = [op for op in feed.ops if isinstance(op, QueueLogLine)]
    assert [(line.seq, line.line) for line in lines[:4]] == [(1, 0), (1, 1), (2, 0), (2, 1)]


def test_each_record_is_applied_once_and_only_engine_facts_count() -> None:
    feed = Feed()
    feed(0, "CallerEnqueued", "c1", queue="sales", leg="c1-in", position=1, caller="5551001")
    again = feed.facts[-1]
    assert feed.records.apply(again) == []
    ami = EventRecord(feed.seq + 1, T0, EventSource.AMI, "CallerEnqueued", call_id="c2", queue="sales")
    assert feed.records.apply(ami) == []
    assert feed.records.open_calls == ("c1",)


def test_state_rebuilt_from_the_open_calls_events_finishes_them_alike() -> None:
    """A restart replays the stored facts of open calls into a new projection, dropping its rows; what the
    next facts produce is then what the first projection would have produced."""
    first = Feed()
    started(first, 0)
    first(0, "CallerEnqueued", "c1", queue="sales", leg="c1-in", position=2, caller="5551001")
    first(3, "AgentOffered", "c1", agent="1001", queue="sales", leg="c1-a1", position=1)
    first(7, "AgentConnected", "c1", agent="1001", queue="sales", leg="c1-a1", wait_s=7.0, ring_s=4.0)
    first(9, "AgentStatusChanged", agent="1001", status="on_break", reason="after this call")
    restarted = CallRecords()
    for record in first.facts:
        restarted.apply(record)
    second = Feed(records=restarted)
    second.seq = first.seq
    expected = first(67, "CallCompleted", "c1", agent="1001", queue="sales", by="agent", talk_s=60.0,
                     agent_leg="c1-a1") + first(70, "AgentStatusChanged", agent="1001", status="available")
    got = second(67, "CallCompleted", "c1", agent="1001", queue="sales", by="agent", talk_s=60.0,
                 agent_leg="c1-a1") + second(70, "AgentStatusChanged", agent="1001", status="available")
    assert got == expected
    assert "NONE|NONE|1001|UNPAUSE|" in second.log()  # the status it had before the restart is known


def asterisk_fields_per_verb() -> dict[str, int]:
    counts: dict[str, int] = {}
    for text in (RECORDINGS / "queue_log.sample").read_text().splitlines():
        fields = text.split("|")
        counts.setdefault(fields[4], len(fields) - 5)
    return counts


def test_queue_log_lines_have_asterisks_fields_for_each_verb() -> None:
    feed = Feed({"1001": ["support"]})
    feed(0, "AgentStatusChanged", agent="1001", status="available", reason=None)
    feed(0, "AgentStatusChanged", agent="1001", status="on_break", reason="lunch")
    feed(0, "AgentStatusChanged", agent="1001", status="available", reason=None)
    for n, ending in enumerate(("caller", "agent", "abandon", "miss")):
        call = f"c{n}"
        feed(0, "CallerEnqueued", call, queue="support", leg=f"{call}-in", position=1, caller="5551001")
        feed(1, "AgentOffered", call, agent="1001", queue="support", leg=f"{call}-a1", position=1)
        if ending == "abandon":
            feed(2, "CallerAbandoned", call, queue="support", leg=f"{call}-in", wait_s=2.0, position=1)
            continue
        if ending == "miss":
            feed(16, "AgentMissed", call, agent="1001", queue="support", leg=f"{call}-a1", failure="no_answer")
            continue
        feed(2, "AgentConnected", call, agent="1001", queue="support", leg=f"{call}-a1", wait_s=2.0)
        feed(9, "CallCompleted", call, agent="1001", queue="support", by=ending, talk_s=7.0)
    feed(20, "AgentStatusChanged", agent="1001", status="logged_out", reason=None)
    recorded = asterisk_fields_per_verb()
    ours = {text.split("|")[3]: len(text.split("|")) - 4 for text in feed.log()}
    assert set(ours) == {"ENTERQUEUE", "CONNECT", "COMPLETECALLER", "COMPLETEAGENT", "ABANDON", "RINGNOANSWER",
                         "ADDMEMBER", "PAUSE", "UNPAUSE", "REMOVEMEMBER"}
    assert {verb: recorded[verb] for verb in ours} == ours


def resynced(feed: Feed, at: float, *held: str) -> list[RowOp]:
    """The ARI snapshot after a (re)connect, as the stream has it: the channels the app still holds."""
    feed.seq += 1
    record = EventRecord(feed.seq, T0 + at, EventSource.ARI, "AriResynced",
                         body={"channels": [{"id": channel} for channel in held], "bridges": []})
    ops = feed.records.apply(record)
    feed.ops.extend(ops)
    return ops


def before_the_restart() -> Feed:
    feed = Feed()
    for call_id in ("talking", "kept"):
        started(feed, 0, call_id)
        feed(0, "CallerEnqueued", call_id, queue="sales", leg=f"{call_id}-in", position=1, caller="5551001")
        feed(2, "AgentOffered", call_id, agent="1001", queue="sales", leg=f"{call_id}-a1", position=1)
        feed(5, "AgentConnected", call_id, agent="1001", queue="sales", leg=f"{call_id}-a1", wait_s=5.0, ring_s=3.0)
    started(feed, 10, "waiting")
    feed(10, "CallerEnqueued", "waiting", queue="sales", leg="waiting-in", position=1, caller="5551002")
    feed(20, "CallerAnnounced", "waiting", queue="sales", leg="waiting-in", position=1, estimated_wait_s=60.0)
    started(feed, 12, "callback")
    feed(12, "CallerEnqueued", "callback", queue="sales", leg="callback-in", position=2, caller="5551003")
    feed(14, "CallbackRequested", "callback", queue="sales", leg="callback-in", number="5551003", position=2)
    started(feed, 15, "ringing")
    feed(15, "CallerEnqueued", "ringing", queue="sales", leg="ringing-in", position=3, caller="5551004")
    feed(16, "AgentOffered", "ringing", agent="1002", queue="sales", leg="ringing-a1", position=1)
    feed(30, "EngineStopped")
    return feed


def restarted_from(feed: Feed, last_seen: float) -> Feed:
    """A new projection fed the stored events, as engine/store/records_writer.restore_records does."""
    records = CallRecords()
    for record in feed.facts:
        records.apply(record)
    records.resumed(T0 + last_seen)
    again = Feed(records=records)
    again.seq = feed.seq
    return again


def test_calls_gone_from_the_pbx_after_a_restart_end_when_last_seen() -> None:
    again = restarted_from(before_the_restart(), last_seen=30)
    assert sorted(again.records.open_calls) == ["callback", "kept", "ringing", "talking", "waiting"]
    resynced(again, 100, "kept-in", "kept-a1", "ringing-in")

    assert sorted(again.records.open_calls) == ["kept", "ringing"]
    assert {c: (again.call(c).outcome, again.call(c).ended_at) for c in ("talking", "waiting", "callback")} == {
        "talking": ("completed", T0 + 30), "waiting": ("abandoned", T0 + 30), "callback": ("lost", T0 + 30)}
    [talked] = again.segments("talking", Kind.AGENT)
    assert (talked.result, talked.talk_s, talked.left_at, talked.detail) == (
        "completed", 25.0, T0 + 30, "vanished while the engine was down")
    [waited] = again.segments("waiting", Kind.QUEUE)
    assert (waited.result, waited.left_at, waited.position_exit) == ("abandoned", T0 + 30, 1)
    # A later resync is a reconnect: what ended in its gap the ACD reports itself.
    assert resynced(again, 200) == []
    assert sorted(again.records.open_calls) == ["kept", "ringing"]


def test_calls_the_restarted_acd_finds_go_on_as_they_were() -> None:
    again = restarted_from(before_the_restart(), last_seen=30)
    resynced(again, 100, "kept-in", "kept-a1", "ringing-in")
    again(101, "CallRestored", "kept", agent="1001", queue="sales", leg="kept-in", phase="connected",
          agent_leg="kept-a1")
    again(101, "CallRestored", "ringing", queue="sales", leg="ringing-in", phase="waiting", position=1)
    # The ACD counts talk from the restart; the records still know the answer before it.
    again(165, "CallCompleted", "kept", agent="1001", queue="sales", by="caller", talk_s=64.0, agent_leg="kept-a1")
    again(170, "AgentOffered", "ringing", agent="1001", queue="sales", leg="ringing-a1000", position=1)
    again(172, "AgentConnected", "ringing", agent="1001", queue="sales", leg="ringing-a1000", wait_s=157.0,
          ring_s=2.0)

    [kept] = again.segments("kept", Kind.AGENT)
    assert (kept.result, kept.talk_s, again.call("kept").outcome) == ("completed", 160.0, "completed")
    # A wrap-up of a call that ended before the restart: the projection has no leg for it, the store finds it.
    assert again(175, "AgentWrapUpEnded", "done", agent="1002", queue="sales", wrapup_s=12.0) == [
        WrapUpRecorded("done", "1002", 12.0)]
    rung, answered = again.segments("ringing", Kind.AGENT)
    assert (rung.result, rung.detail, rung.left_at) == ("cancelled", "engine restarted", T0 + 101)
    assert answered.result == "answered"
    [visit] = again.segments("ringing", Kind.QUEUE)  # the visit begun before the restart, not a new one
    assert (visit.result, visit.entered_at, visit.left_at) == ("answered", T0 + 15, T0 + 172)


def test_a_restored_call_back_in_line_gets_a_new_visit() -> None:
    again = restarted_from(before_the_restart(), last_seen=30)
    resynced(again, 100, "talking-in")  # the agent's leg is gone, the caller is still there
    again(101, "CallRestored", "talking", queue="sales", leg="talking-in", phase="waiting", position=1)
    [leg] = again.segments("talking", Kind.AGENT)
    assert (leg.result, leg.left_at) == ("completed", T0 + 30)
    [back_in_line] = again.segments("talking", Kind.QUEUE)  # (the first visit ended answered before)
    assert (back_in_line.result, back_in_line.entered_at, back_in_line.position_entry) == (None, T0 + 101, 1)
    assert again.records.open_calls == ("talking",)
