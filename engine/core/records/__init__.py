"""Call records from the engine's facts: a pure projection that says which rows of `calls`, `call_segments`
and `queue_log` to write. Feed it the stream's records in `seq` order; each returns its row operations.

A call is one `calls` row from its start to its outcome, whatever happens in between. Each queue visit
and each agent leg is a `call_segments` row carrying the call id, keyed within the call so that it can be
written again as it changes: `queue:<seq of the fact that opened it>` and `agent:<leg id>` (callback
dial attempts: `callback:<leg id>`). `CallRow` and `SegmentRow` are the row *as it now stands*, so the
writer upserts them and the last one wins. Times are the facts' `received_at`.

| fact                | calls             | call_segments                                        | queue_log          |
|---------------------|-------------------|------------------------------------------------------|--------------------|
| CallStarted         | opened            | -                                                    | -                  |
| CallerEnqueued      | (opened if new)   | queue visit opens: entered, position_entry           | ENTERQUEUE         |
| CallerAnnounced     | -                 | (the visit's place in line is noted)                 | -                  |
| AgentOffered        | -                 | agent leg opens: entered = offered, position         | -                  |
| AgentConnected      | -                 | leg answered, ring; visit ends answered, exit place; | CONNECT            |
|                     |                   | legs of the call still ringing end cancelled         |                    |
| AgentMissed         | -                 | leg ends: the failure (no_answer, busy...), ring     | RINGNOANSWER       |
| AgentOfferCancelled | -                 | leg ends cancelled (why), ring                       | RINGCANCELED       |
| CallHeld, CallUnheld| -                 | leg: hold seconds add up                             | -                  |
| CallTransferred     | -                 | leg ends transferred (to queue:x / agent:y), talk    | TRANSFER           |
| CallCompleted       | ended: completed  | leg ends completed (by caller/agent), talk, hold     | COMPLETECALLER,    |
|                     |                   |                                                      | COMPLETEAGENT      |
| AgentWrapUpEnded    | -                 | wrap-up on the agent's last answered leg of the call | -                  |
| CallerAbandoned     | ended: abandoned  | visit ends abandoned, exit place                     | ABANDON            |
| CallOverflowed      | ended: voicemail  | visit ends overflowed (why -> target:destination);   | (leaving verbs)    |
|                     | (that target only)| at the door, a visit of no length                    |                    |
| CallRefused         | ended: refused    | visit ends refused (why); at the door, no length     | (leaving verbs)    |
| CallbackRequested   | -                 | visit ends callback, exit place                      | EXITWITHKEY 1      |
| CallbackDialed      | -                 | callback leg opens (the agent kept for it, number)   | -                  |
| CallbackAnswered,   | -                 | callback leg ends answered, or with the failure      | -                  |
| CallbackNotReached  |                   |                                                      |                    |
| CallbackGivenUp     | ended: callback_  | -                                                    | -                  |
|                     | given_up          |                                                      |                    |
| CallRestored        | -                 | (after a restart, see below)                         | -                  |
| AriResynced (ari)   | (after a restart: | those open calls gone from the PBX end; see below    | -                  |
|                     | see below)        |                                                      |                    |
| AgentStatusChanged  | -                 | -                                                    | ADDMEMBER, PAUSE,  |
|                     |                   |                                                      | UNPAUSE,           |
|                     |                   |                                                      | REMOVEMEMBER       |

Queue log fields follow Asterisk's order: ENTERQUEUE url|caller|position; CONNECT holdtime|agent leg|ringtime;
COMPLETE* holdtime|talktime|origposition; ABANDON and EXIT* position|origposition|waittime; RINGNOANSWER and
RINGCANCELED ringtime in ms (as Asterisk writes them); TRANSFER destination|context|holdtime|talktime|origposition.

"At the door" is a call turned away by a queue it never held a place in (full, nobody logged in, the
estimated wait too long): it still gets a queue segment, of no length and no position, because the queue
was offered the call and did not take it; per-queue KPIs count it as offered and overflowed/refused.
The leaving verbs follow Asterisk where it has one: at the door FULL (full) and JOINEMPTY (no agents);
in line EXITWITHTIMEOUT (max wait) and EXITEMPTY (no agents); callhive's own OVERFLOW (why, target)
otherwise. Lines carry the call id where Asterisk has the caller's uniqueid, the agent id where it has the
member name, and seconds as whole numbers (ring times in ms, as Asterisk writes them); agent lines are
written once per queue of the agent ("NONE" for an agent whose queues are not known). Announcements,
offers, ringing and wrap-up have no queue_log verb in Asterisk and write none.

State is kept only for calls not yet ended and each agent's status, so a restarted engine rebuilds it
by replaying the stored events of the calls whose `ended_at` is still empty (engine/store/records_writer).
After that replay (`resumed`), the first AriResynced says which of those calls still have a channel on the
PBX: the others ended while the engine was down, and are closed as of the previous run's last stored
event, the last time anything was known of them (a call talking: completed; waiting: abandoned; a
callback waiting for its turn, which no channel holds and the restarted ACD cannot find: lost; segments'
detail "vanished while the engine was down"). A CallRestored fact keeps a call: connected on the agent leg
it had (its talk time still counted from the answer before the restart), or back in line (a new queue
visit if the records had it talking; offers that were ringing end cancelled, "engine restarted").
"""

from engine.core.records.projection import CallRecords
from engine.core.records.rows import (
    CallRow,
    Kind,
    Outcome,
    QueueLogLine,
    Result,
    RowOp,
    SegmentRow,
    WrapUpRecorded,
    queue_log_text,
)

__all__ = [
    "CallRecords",
    "CallRow",
    "Kind",
    "Outcome",
    "QueueLogLine",
    "Result",
    "RowOp",
    "SegmentRow",
    "WrapUpRecorded",
    "queue_log_text",
]
