-- Call records written from the event stream (engine/core/records.py, engine/store/records_writer.py).
--
-- Each segment gets a key within its call (`queue:<seq>`, `agent:<leg id>`, `callback:<leg id>`), so the
-- writer can upsert the segment as it changes (opened, answered, ended, wrap-up added) instead of
-- looking it up. `detail` says why a segment ended as it did (the overflow rule and target, the refusal,
-- who hung up, where a transfer went); `leg_id` names the channel of an agent or callback leg.
-- Callback dial attempts are segments of their own kind.
ALTER TABLE call_segments
    ADD COLUMN segment_key text,
    ADD COLUMN leg_id      text,
    ADD COLUMN detail      text;
UPDATE call_segments SET segment_key = 'legacy:' || id WHERE segment_key IS NULL;
ALTER TABLE call_segments
    ALTER COLUMN segment_key SET NOT NULL,
    ADD CONSTRAINT call_segments_key UNIQUE (call_id, segment_key),
    DROP CONSTRAINT call_segments_kind_check,
    ADD CONSTRAINT call_segments_kind_check CHECK (kind IN ('queue', 'agent', 'callback'));

-- A restarted engine rebuilds the records of the calls still open from their events: find them fast.
CREATE INDEX calls_open_idx ON calls (started_at) WHERE ended_at IS NULL;
-- ... and each agent's last status (for the queue_log verb of the next change).
CREATE INDEX events_agent_status_idx ON events (agent_id, seq) WHERE type = 'AgentStatusChanged';
