-- 012: one insert per flush instead of two (measured in bench/alerts.ts: the second insert
-- was a visible share of the task writer's time on chDB). task_events now carries the state
-- after each event; `tasks` is filled from it by a materialized view.
ALTER TABLE task_events ADD COLUMN IF NOT EXISTS state String CODEC(ZSTD(3))
-- statement
CREATE MATERIALIZED VIEW IF NOT EXISTS tasks_from_events TO tasks AS
SELECT
    task_id                                              AS id,
    version,
    JSONExtractString(state, 'status')                   AS status,
    JSONExtractString(state, 'source', 'kind')           AS source_kind,
    JSONExtractString(state, 'source', 'ruleId')         AS rule_id,
    JSONExtractString(state, 'source', 'caseId')         AS case_id,
    JSONExtractString(state, 'priority')                 AS priority,
    JSONExtractString(state, 'camera')                   AS camera,
    JSONExtractString(state, 'zone')                     AS zone,
    JSONExtractString(state, 'grid')                     AS grid,
    JSONExtract(state, 'orgPath', 'Array(String)')       AS org_path,
    JSONExtractString(state, 'org')                      AS org,
    JSONExtractString(state, 'level')                    AS level,
    JSONExtractString(state, 'disposition')              AS disposition,
    JSONExtractUInt(state, 'hitCount')                   AS hit_count,
    fromUnixTimestamp64Milli(JSONExtractInt(state, 'openedMs'), 'UTC')  AS opened,
    fromUnixTimestamp64Milli(JSONExtractInt(state, 'updatedMs'), 'UTC') AS updated,
    state
FROM task_events
WHERE state != ''
