-- The engine's single ordered event stream, append-only. `seq` is assigned by the engine as it applies
-- each event (the only order used for replay, statistics and live deltas); `received_at` is the engine's
-- receive time, `pbx_time` the PBX's own time when the message carried one. They are kept apart because
-- AMI and ARI arrive on two sockets and AMI events carry no time unless timestampevents = yes.
CREATE TABLE events (
    seq         bigint      PRIMARY KEY CHECK (seq > 0),
    received_at timestamptz NOT NULL,
    pbx_time    timestamptz,
    source      text        NOT NULL CHECK (source IN ('ami', 'ari', 'engine', 'api', 'dialer')),
    type        text        NOT NULL,
    call_id     text,
    leg_id      text,
    agent_id    text,
    queue       text,
    body        jsonb       NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX events_call_idx ON events (call_id, seq) WHERE call_id IS NOT NULL;
CREATE INDEX events_agent_idx ON events (agent_id, seq) WHERE agent_id IS NOT NULL;
CREATE INDEX events_queue_idx ON events (queue, seq) WHERE queue IS NOT NULL;
CREATE INDEX events_received_idx ON events (received_at);

CREATE FUNCTION events_are_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'events is append-only: % refused', TG_OP;
END;
$$;
CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION events_are_append_only();

-- People on softphones. Status (logged out / available / on break) is set by the agent or a supervisor;
-- state (idle / reserved / ringing / on call / wrap-up) by the engine. Both are kept apart, each with
-- the time it began.
CREATE TABLE agents (
    id         text        PRIMARY KEY,
    name       text        NOT NULL,
    endpoint   text        NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE agent_skills (
    agent_id    text    NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    skill       text    NOT NULL,
    proficiency integer NOT NULL CHECK (proficiency BETWEEN 1 AND 100),
    PRIMARY KEY (agent_id, skill)
);

CREATE TABLE agent_presence (
    agent_id     text        PRIMARY KEY REFERENCES agents (id) ON DELETE CASCADE,
    status       text        NOT NULL DEFAULT 'logged_out'
                             CHECK (status IN ('logged_out', 'available', 'on_break')),
    break_reason text,
    status_since timestamptz NOT NULL DEFAULT now(),
    state        text        NOT NULL DEFAULT 'idle'
                             CHECK (state IN ('idle', 'reserved', 'ringing', 'on_call', 'wrap_up')),
    state_since  timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'on_break') = (break_reason IS NOT NULL))
);

CREATE TABLE queues (
    name       text        PRIMARY KEY,
    config     jsonb       NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE queue_members (
    queue    text NOT NULL REFERENCES queues (name) ON DELETE CASCADE,
    agent_id text NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    PRIMARY KEY (queue, agent_id)
);

-- One row per call, whatever happens to it (overflow, transfer and callback stay one call).
CREATE TABLE calls (
    id            text        PRIMARY KEY,
    direction     text        NOT NULL CHECK (direction IN ('inbound', 'outbound')),
    dialed_number text,
    caller_number text,
    caller_name   text,
    started_at    timestamptz NOT NULL,
    ended_at      timestamptz,
    outcome       text,
    CHECK (ended_at IS NULL OR ended_at >= started_at)
);
CREATE INDEX calls_started_idx ON calls (started_at);

-- One row per queue visit and per agent leg; per-queue KPIs count these, not calls.
CREATE TABLE call_segments (
    id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    call_id         text        NOT NULL REFERENCES calls (id),
    kind            text        NOT NULL CHECK (kind IN ('queue', 'agent')),
    queue           text,
    agent_id        text,
    entered_at      timestamptz NOT NULL,
    left_at         timestamptz,
    position_entry  integer,
    position_exit   integer,
    result          text,
    ring_seconds    double precision,
    talk_seconds    double precision,
    hold_seconds    double precision,
    wrapup_seconds  double precision,
    CHECK (kind <> 'agent' OR agent_id IS NOT NULL),
    CHECK (left_at IS NULL OR left_at >= entered_at)
);
CREATE INDEX call_segments_call_idx ON call_segments (call_id);
CREATE INDEX call_segments_queue_idx ON call_segments (queue, entered_at);
CREATE INDEX call_segments_agent_idx ON call_segments (agent_id, entered_at);

-- A queue log in the spirit of Asterisk's queue_log (ENTERQUEUE, CONNECT, ABANDON, RINGNOANSWER, ...),
-- tied to the event that produced the line.
CREATE TABLE queue_log (
    seq       bigint      NOT NULL,
    line      smallint    NOT NULL DEFAULT 0,
    logged_at timestamptz NOT NULL,
    call_id   text,
    queue     text        NOT NULL,
    agent_id  text,
    verb      text        NOT NULL,
    data      text[]      NOT NULL DEFAULT '{}',
    PRIMARY KEY (seq, line)
);
CREATE INDEX queue_log_queue_idx ON queue_log (queue, logged_at);
