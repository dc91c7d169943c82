"""The read model against the ACD it follows: every scenario is driven through tests/read_model_mirror.py, which
holds the read model's agents, queues and calls views equal to tests/acd_views.py's at every step; the
tests here say, besides, what the views show at the moments that matter."""

from __future__ import annotations

import pytest

from engine.core import facts
from engine.core.acd import (
    AgentConfig,
    AgentRequested,
    Announcements,
    Callbacks,
    CallerPressed,
    DeviceState,
    DeviceStateObserved,
    LegFailure,
    LegHeld,
    OverflowRule,
    OverflowTarget,
    OverflowWhen,
    QueueConfig,
    TransferRequested,
    UnknownAgent,
)
from engine.core.agent_fsm import AgentState, StatusTrigger
from engine.core.ids import AgentId, CallId, LegId, QueueName
from engine.core.read_model import Changed, ReadModel, agent_view, call_view, setup_of
from engine.core.strategies import Strategy
from tests.read_model_mirror import T0, Mirror


def agents(*ids: str, queues: tuple[str, ...] = ("support",)) -> list[AgentConfig]:
    return [AgentConfig(AgentId(i), f"Agent {i}", f"PJSIP/{i}", {}, tuple(QueueName(q) for q in queues))
            for i in ids]


def queue(name: str, **settings: object) -> QueueConfig:
    return QueueConfig(QueueName(name), **settings)  # type: ignore[arg-type]


def request(m: Mirror, agent_id: str, trigger: StatusTrigger, reason: str | None = None) -> None:
    m.attempt(AgentRequested(AgentId(agent_id), trigger, reason))


def phases(m: Mirror) -> dict[object, object]:
    return {row["id"]: row["phase"] for row in m.model_views()["calls"]}


def test_a_call_waits_is_offered_connected_held_and_wrapped_up() -> None:
    m = Mirror([queue("support", wrapup_s=30)], agents("1001"))
    m.call_in("c1", "support", priority=2, caller="5551234", caller_name="Ann")
    m.advance(12)
    assert m.call_view("c1") == {"id": "c1", "queue": "support", "phase": "waiting", "priority": 2,
                                 "caller": "5551234", "caller_name": "Ann", "waited_s": 12.0, "agent_id": None,
                                 "ringing": []}
    assert m.queue_view("support")["waiting"] == 1
    m.login("1001")
    leg = m.ringing("1001")
    assert m.call_view("c1")["phase"] == "offering" and m.call_view("c1")["ringing"] == ["1001"]
    assert m.agent_view("1001")["state"] == "reserved" and m.agent_view("1001")["call_id"] == "c1"
    assert m.queue_view("support")["waiting"] == 0
    m.advance(1)
    m.ring(leg)
    assert m.agent_view("1001")["state"] == "ringing"
    m.advance(3)
    m.answer(leg)
    view = m.call_view("c1")
    assert (view["phase"], view["agent_id"], view["ringing"], view["waited_s"]) == ("connected", "1001", [], 16.0)
    m.advance(20)
    m.handle(LegHeld(leg, held=True))
    m.advance(10)
    m.handle(LegHeld(leg, held=False))
    m.advance(30)
    m.hang_up("c1-in")
    assert phases(m) == {}
    agent = m.agent_view("1001")
    assert (agent["state"], agent["call_id"], agent["calls_today"]) == ("wrap_up", None, 1)
    assert agent["state_since"] == m.now
    m.advance(30)  # the wrap-up timer
    assert m.agent_view("1001")["state"] == "idle"
    assert m.agent_view("1001")["today"]["wrapup_s"] == 30.0


def test_ring_all_rings_every_free_agent_and_the_first_answer_releases_the_others() -> None:
    m = Mirror([queue("support", strategy=Strategy.RING_ALL)], agents("1001", "1002", "1003"))
    m.login("1001", "1002", "1003")
    m.call_in("c1", "support")
    assert m.call_view("c1")["ringing"] == ["1001", "1002", "1003"]
    m.ring(m.ringing("1002"))
    m.advance(2)
    m.answer(m.ringing("1002"))
    assert m.call_view("c1")["ringing"] == [] and m.call_view("c1")["agent_id"] == "1002"
    assert [m.agent_view(a)["state"] for a in ("1001", "1002", "1003")] == ["idle", "on_call", "idle"]
    assert m.queue_view("support")["agents"] == {"idle": 2, "on_call": 1}


def test_missed_offers_put_the_call_back_in_line_and_the_agent_on_a_no_answer_break() -> None:
    m = Mirror([queue("support", no_answer_break_after=2)], agents("1001", "1002"))
    m.login("1001")
    m.call_in("c1", "support")
    m.advance(5)
    m.call_in("c2", "support")
    m.advance(10)
    m.fail(m.ringing("1001"))  # offered c1 again: it is at the head of the line
    assert m.call_view("c1")["phase"] == "offering" and m.call_view("c2")["phase"] == "waiting"
    m.advance(15)
    m.fail(m.ringing("1001"), LegFailure.BUSY)
    agent = m.agent_view("1001")
    assert (agent["status"], agent["break_reason"], agent["call_id"]) == ("on_break", "no answer", None)
    assert phases(m) == {"c1": "waiting", "c2": "waiting"}
    assert m.queue_view("support")["agents"] == {"on_break": 1, "logged_out": 1}
    m.advance(5)
    request(m, "1001", StatusTrigger.READY)
    assert m.call_view("c1")["ringing"] == ["1001"]


def test_a_phone_that_cannot_be_reached_or_is_busy_elsewhere_shows_so() -> None:
    m = Mirror([queue("support")], agents("1001", "1002"))
    m.login("1001", "1002")
    m.call_in("c1", "support")
    m.fail(m.ringing("1001"), LegFailure.NO_CONTACT)  # no fact of its own: read from the miss
    assert m.agent_view("1001")["reachable"] is False
    assert m.call_view("c1")["ringing"] == ["1002"]
    m.phone("1001")
    assert m.agent_view("1001")["reachable"] is True
    m.handle(DeviceStateObserved("PJSIP/1001", DeviceState.INUSE))
    assert m.agent_view("1001")["device_busy"] is True
    m.handle(DeviceStateObserved("PJSIP/1001", DeviceState.UNAVAILABLE))  # busy ends and the phone is gone
    assert (m.agent_view("1001")["device_busy"], m.agent_view("1001")["reachable"]) == (False, False)
    m.phone("1001")
    m.handle(DeviceStateObserved("PJSIP/1001", DeviceState.UNAVAILABLE))  # not busy before: AgentUnreachable
    assert m.agent_view("1001")["reachable"] is False
    assert type(m.stamped[-1].fact) is facts.AgentUnreachable


def test_transfer_to_a_queue_is_a_new_visit_and_a_new_place_in_line() -> None:
    m = Mirror([queue("support", wrapup_s=10), queue("sales")],
               agents("1001") + agents("2001", queues=("sales",)))
    m.login("1001")
    m.call_in("c1", "support")
    m.answer(m.ringing("1001"))
    m.advance(20)
    m.call_in("c2", "sales")  # waiting in sales before c1 comes there
    m.advance(40)
    m.handle(TransferRequested(CallId("c1"), to_queue=QueueName("sales")))
    assert [row["id"] for row in m.model_views()["calls"]] == ["c2", "c1"]
    assert m.call_view("c1")["queue"] == "sales" and m.call_view("c1")["waited_s"] == 0.0
    assert m.agent_view("1001")["state"] == "wrap_up"
    m.advance(5)
    m.login("2001")
    assert m.call_view("c2")["ringing"] == ["2001"]
    m.answer(m.ringing("2001"))
    m.hang_up("c2-in")
    m.advance(1)
    assert m.call_view("c1")["phase"] == "offering"


def test_transfer_to_an_agent_rings_them_and_falls_back_to_its_queue() -> None:
    m = Mirror([queue("support", wrapup_s=30, no_answer_break_after=1)], agents("1001", "1002"))
    m.login("1001")
    m.call_in("c1", "support")
    m.answer(m.ringing("1001"))
    m.advance(10)
    m.attempt(TransferRequested(CallId("c1"), to_agent=AgentId("1002")))  # 1002 not logged in: refused
    assert m.call_view("c1")["agent_id"] == "1001"
    m.login("1002")
    m.handle(TransferRequested(CallId("c1"), to_agent=AgentId("1002")))
    view = m.call_view("c1")
    assert (view["phase"], view["agent_id"], view["ringing"], view["waited_s"]) == ("offering", None, ["1002"], 10.0)
    m.advance(15)
    m.fail(m.ringing("1002"))
    assert m.call_view("c1")["phase"] == "waiting"


def test_overflow_keeps_the_place_in_line_and_voicemail_or_refusal_ends_the_call() -> None:
    to_backup = (OverflowRule(OverflowWhen.MAX_WAIT, OverflowTarget.QUEUE, "backup"),)
    to_voicemail = (OverflowRule(OverflowWhen.NO_AGENTS, OverflowTarget.VOICEMAIL, "100@default"),)
    m = Mirror([queue("support", max_wait_s=30, overflow=to_backup), queue("backup", max_length=2),
                queue("night", overflow=to_voicemail)],
               agents("1001") + agents("2001", queues=("backup",)))
    m.login("2001")
    m.call_in("c1", "support")
    m.advance(10)
    m.call_in("c2", "support")
    m.advance(5)
    m.call_in("b1", "backup")  # 2001 rings for it
    m.advance(1)
    m.call_in("b2", "backup")
    m.advance(14)  # c1 overflows to backup, ahead of both: its place there is its place in support
    assert [(row["id"], row["queue"]) for row in m.model_views()["calls"]] == [
        ("c1", "backup"), ("b1", "backup"), ("b2", "backup"), ("c2", "support")]
    assert m.call_view("c1")["waited_s"] == 0.0  # a new queue visit
    assert m.queue_view("backup")["waiting"] == 2
    m.advance(10)  # c2 overflows to backup, which is full and has no rule: refused
    assert phases(m) == {"c1": "waiting", "b1": "offering", "b2": "waiting"}
    m.call_in("n1", "night")  # nobody logged in to night: voicemail at the door
    assert "n1" not in phases(m)
    assert m.queue_view("night")["today"]["overflowed"] == 1


def test_a_callback_is_dialled_answered_retried_and_given_up() -> None:
    settings = {"wrapup_s": 10, "no_answer_break_after": 1,
                "announcements": Announcements(first_after_s=20, every_s=45, offer_callback=True),
                "callbacks": Callbacks(ring_timeout_s=30, attempts=2, retry_after_s=60)}
    m = Mirror([queue("support", **settings)], agents("1001"))
    m.login("1001")
    m.call_in("c0", "support")
    m.answer(m.ringing("1001"))
    m.call_in("c1", "support", caller="555", caller_name="Ann")
    m.call_in("c2", "support", caller="556")
    m.advance(20)  # the announcement offers the callback
    m.handle(CallerPressed(LegId("c1-in"), "1"))
    assert m.call_view("c1")["phase"] == "callback"
    m.hang_up("c1-in")  # the hang-up it asked for
    assert m.queue_view("support")["waiting"] == 2
    m.advance(30)
    m.hang_up("c0-in")
    m.advance(10)  # 1001's wrap-up ends: the callback's turn
    view = m.call_view("c1")
    assert (view["phase"], view["agent_id"]) == ("dialing_back", "1001")
    assert m.agent_view("1001")["call_id"] == "c1"
    m.advance(8)
    m.fail(m.dialing_back())  # 1001 released: takes c2
    assert m.call_view("c1")["phase"] == "callback_retry" and m.call_view("c1")["agent_id"] is None
    assert m.call_view("c2")["ringing"] == ["1001"]
    m.answer(m.ringing("1001"))
    m.advance(59)
    assert m.call_view("c1")["phase"] == "callback_retry"
    m.advance(1)  # the retry timer: back in line, nobody free
    assert m.call_view("c1")["phase"] == "callback"
    m.hang_up("c2-in")
    m.advance(10)
    m.answer(m.dialing_back())
    view = m.call_view("c1")
    assert (view["phase"], view["agent_id"], view["ringing"]) == ("offering", None, ["1001"])
    m.fail(m.ringing("1001"))  # the caller waits on the line now
    assert m.call_view("c1")["phase"] == "waiting"
    m.advance(1)
    request(m, "1001", StatusTrigger.READY)
    m.answer(m.ringing("1001"))
    assert m.call_view("c1")["phase"] == "connected"


def test_a_callback_not_reached_again_is_given_up() -> None:
    m = Mirror([queue("support", announcements=Announcements(first_after_s=5, offer_callback=True),
                      callbacks=Callbacks(attempts=2, retry_after_s=60))], agents("1001"))
    m.call_in("c1", "support", caller="555")
    m.advance(5)
    m.handle(CallerPressed(LegId("c1-in"), "1"))
    m.login("1001")
    m.fail(m.dialing_back())
    m.advance(60)
    m.fail(m.dialing_back(), LegFailure.BUSY)
    assert phases(m) == {}
    assert m.agent_view("1001")["state"] == "idle"


def test_after_a_restart_only_the_calls_restored_are_shown() -> None:
    settings = {"wrapup_s": 5, "announcements": Announcements(first_after_s=5, offer_callback=True)}
    m = Mirror([queue("support", **settings), queue("sales")],
               agents("1001", "1002") + agents("2001", queues=("sales",)))
    m.login("1001", "1002", "2001")
    request(m, "1002", StatusTrigger.BREAK, "lunch")
    m.call_in("c1", "support", priority=1, caller="5551", caller_name="Ann")  # connected to 1001
    m.answer(m.ringing("1001"))
    m.call_in("s1", "sales")  # offered to 2001
    m.advance(2)
    m.call_in("c2", "support")  # waiting
    m.call_in("c3", "support", caller="5553")  # a callback with nobody on the line
    m.advance(5)
    m.handle(CallerPressed(LegId("c3-in"), "1"))
    m.hang_up("c3-in")
    m.advance(10)
    calls_before = m.agent_view("1001")["calls_today"]
    m.restart()
    # s1 back in line and offered again to 2001, whose phone the resync found registered.
    assert phases(m) == {"c1": "connected", "c2": "waiting", "s1": "offering"}
    agent = m.agent_view("1001")
    assert (agent["state"], agent["call_id"], agent["calls_today"]) == ("on_call", "c1", calls_before)
    assert m.agent_view("2001")["state"] == "reserved"
    assert (m.agent_view("1002")["status"], m.agent_view("1002")["break_reason"]) == ("on_break", "lunch")
    # Back at its first place in line: its wait counts from when it first came, to the millisecond.
    assert m.call_view("s1")["waited_s"] == round(m.now - T0, 1)
    m.advance(3)
    m.hang_up("c1-in")
    m.advance(5)
    assert m.call_view("c2")["ringing"] == ["1001"]


def test_a_crash_leaves_no_call_that_nothing_restores() -> None:
    m = Mirror([queue("support")], agents("1001"))
    m.login("1001")
    m.call_in("c1", "support")
    m.call_in("c2", "support")
    m.hang_up("c2-in")  # c2 abandoned; c1 rings 1001
    m.pbx.callers.clear()  # and c1 hangs up while the engine is down
    m.restart(clean=False)
    assert phases(m) == {}
    assert m.model.calls.suspended() == ()  # dropped once the restore is over (AcdRestored)
    assert m.agent_view("1001")["state"] == "idle" and m.agent_view("1001")["reachable"] is True


def test_calls_are_hidden_from_the_start_until_the_restore() -> None:
    model = ReadModel(setup_of([queue("support")], agents("1001")))
    at = T0
    stream: list[facts.Fact] = [
        facts.CallStarted(CallId("c1"), LegId("c1-in"), QueueName("support"), "5000", "555", "Ann"),
        facts.CallerEnqueued(CallId("c1"), QueueName("support"), LegId("c1-in"), 1, 3, "555", None),
        facts.EngineStarted("callhive", "http://x", None),
    ]
    for seq, fact in enumerate(stream, 1):
        model.apply(facts.Stamped(seq, at + seq, fact))
    assert model.calls.live == {} and model.calls.suspended() == ("c1",)
    changed = model.apply(facts.Stamped(4, at + 10, facts.CallRestored(
        CallId("c1"), QueueName("support"), LegId("c1-in"), facts.RestoredPhase.WAITING, position=1)))
    assert changed.calls == {"c1"}
    row = call_view(model, "c1", at + 11)
    assert row is not None and (row["priority"], row["caller_name"], row["waited_s"]) == (3, "Ann", 10.0)
    model.apply(facts.Stamped(5, at + 12, facts.AcdRestored(1, 0, 0, (), ())))
    assert model.calls.suspended() == ()


def test_calls_today_start_again_at_local_midnight() -> None:
    # 2026-11-24 23:59:30 in Paris (UTC+1): the second call is answered on the 25th there.
    m = Mirror([queue("support")], agents("1001"), timezone="Europe/Paris", start=1_795_561_170.0)
    m.login("1001")
    m.call_in("c1", "support")
    m.answer(m.ringing("1001"))
    m.hang_up("c1-in")
    assert m.agent_view("1001")["calls_today"] == 1
    m.advance(60)
    assert m.agent_view("1001")["calls_today"] == 0
    m.call_in("c2", "support")
    m.answer(m.ringing("1001"))
    assert m.agent_view("1001")["calls_today"] == 1


def test_changed_names_the_rows_a_fact_changed() -> None:
    m = Mirror([queue("support"), queue("sales")], agents("1001", queues=("support", "sales")))
    m.login("1001")
    m.call_in("c1", "support")
    offered = [c for s, c in zip(m.stamped, m.changes, strict=True) if isinstance(s.fact, facts.AgentOffered)]
    assert offered == [Changed(offered[0].seq, frozenset({AgentId("1001")}),
                               frozenset({QueueName("support"), QueueName("sales")}), frozenset({CallId("c1")}))]
    seq = m.seq
    assert m.model.apply(m.stamped[-1]) == Changed(seq)  # applied already: nothing
    assert m.model.last_seq == seq
    m.restart()
    started = [c for s, c in zip(m.stamped, m.changes, strict=True) if isinstance(s.fact, facts.EngineStarted)][-1]
    assert (sorted(started.agents), sorted(started.queues), sorted(started.calls)) == (
        ["1001"], ["sales", "support"], ["c1"])


def test_an_unknown_agent_is_refused_as_the_api_refuses_it() -> None:
    model = ReadModel(setup_of([queue("support")], agents("1001")))
    with pytest.raises(UnknownAgent, match="no agent 'nobody'"):
        agent_view(model, "nobody", T0)


def test_facts_about_agents_the_centre_no_longer_has_are_ignored() -> None:
    model = ReadModel(setup_of([queue("support")], agents("1001")))
    changed = model.apply(facts.Stamped(1, T0, facts.AgentStateChanged(AgentId("gone"), None, AgentState.RESERVED)))
    assert changed.agents == frozenset() and changed.queues == frozenset()
    assert model.agents.agents.keys() == {"1001"}


def test_a_setup_naming_an_unknown_queue_is_refused() -> None:
    with pytest.raises(ValueError, match="agent 1001: unknown queue 'nowhere'"):
        setup_of([queue("support")], agents("1001", queues=("nowhere",)))
