-- Each stored fact carries the schema version of its body (engine/core/fact_registry.py): rows written
-- before versions existed are version 1, which is what the engine of that release wrote.
ALTER TABLE events ADD COLUMN version smallint NOT NULL DEFAULT 1 CHECK (version > 0);

-- Tables of the first migration that nothing ever read or wrote: agents, skills and queues come from
-- center.yaml, agent presence from the events. Dropped so the schema says only what is true.
DROP TABLE queue_members;
DROP TABLE queues;
DROP TABLE agent_presence;
DROP TABLE agent_skills;
DROP TABLE agents;
