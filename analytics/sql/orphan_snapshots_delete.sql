-- Params: {from:Int64}, {to:Int64}, {hitsTo:Int64}
-- Returns: nothing (lightweight DELETE): removes from `snapshots` the orphans of [from, to) that
-- orphan_snapshots_quarantine.sql has just copied to the quarantine table.
DELETE FROM snapshots
WHERE ts >= fromUnixTimestamp64Milli({from:Int64}, 'UTC') AND ts < fromUnixTimestamp64Milli({to:Int64}, 'UTC')
  AND id NOT IN (
    SELECT arrayJoin([snapshot, frame]) AS named FROM hits
    WHERE ts >= fromUnixTimestamp64Milli({from:Int64}, 'UTC') - INTERVAL 1 DAY
      AND ts < fromUnixTimestamp64Milli({hitsTo:Int64}, 'UTC') AND (snapshot != '' OR frame != ''))
