-- Params: {seed:UInt64}, {start:UInt64}, {count:UInt64}, {dayStartMs:Int64}, {cum:Array(Float64)},
--         {cams:Array(String)}, {gws:Array(String)}, {grids:Array(String)}, {paths:Array(Array(String))},
--         {platePool:UInt64}, {provinces:Array(String)}, {uppers:Array(String)}, {lowers:Array(String)},
--         {palette:Array(String)}, {regions:Array(String)}, {variants:UInt8}, {vcolours:Array(String)},
--         {events:Array(String)}, {crockford:Array(UInt8)}
-- Returns: nothing; inserts {count} synthetic hits of one local day (xueliang seed). Every value
-- derives from intHash64 of (number, seed, k), so a seed reproduces the same data (sipHash64 was
-- measured 35× slower here and dominated the run).
-- Times follow the hourly curve {cum} (cumulative shares, local hours from {dayStartMs}); vehicles
-- take plates from a pool of {platePool} with power-law repeats (rank ~ pool·u²: the k-th most
-- frequent plate is seen ∝ k^-1/2 times), colour and type fixed per plate; persons carry clothing
-- colours and a descriptor (analytics/appearance.ts layout) assembled from per-colour region
-- variants ({regions}: hex of 16 bytes, {variants} per palette colour, precomputed in seed.ts).
-- Ids are ULIDs whose time part is ts (GET /hits/:id bounds ts by it) and random part hex.
INSERT INTO hits (id, ts, gateway, camera, grid, org_path, kind, type, label, score, box, track, zone, rule, duration_ms,
                  color, upper_color, lower_color, vehicle_type, plate, plate_score, direction, appearance, snapshot, model)
WITH
    {crockford:Array(UInt8)} AS cf,
    arrayMap(x -> unhex(x), {regions:Array(String)}) AS regs,
    'ABCDEFGHJKLMNPQRSTUVWXYZ' AS letters,
    ['car', 'car', 'car', 'car', 'car', 'suv', 'suv', 'van', 'bus', 'truck', 'truck', 'motorcycle'] AS vtypes
SELECT
    concat(char(cf[1 + bitAnd(bitShiftRight(ts_ms, 45), 31)], cf[1 + bitAnd(bitShiftRight(ts_ms, 40), 31)], cf[1 + bitAnd(bitShiftRight(ts_ms, 35), 31)], cf[1 + bitAnd(bitShiftRight(ts_ms, 30), 31)], cf[1 + bitAnd(bitShiftRight(ts_ms, 25), 31)], cf[1 + bitAnd(bitShiftRight(ts_ms, 20), 31)], cf[1 + bitAnd(bitShiftRight(ts_ms, 15), 31)], cf[1 + bitAnd(bitShiftRight(ts_ms, 10), 31)], cf[1 + bitAnd(bitShiftRight(ts_ms, 5), 31)], cf[1 + bitAnd(bitShiftRight(ts_ms, 0), 31)]), hex(h5)) AS id,
    fromUnixTimestamp64Milli(ts_ms, 'UTC') AS ts,
    {gws:Array(String)}[ci] AS gateway,
    {cams:Array(String)}[ci] AS camera,
    {grids:Array(String)}[ci] AS grid,
    {paths:Array(Array(String))}[ci] AS org_path,
    if(cls = 'event', 'event', 'sighting') AS kind,
    if(cls = 'event', ev, cls) AS type,
    multiIf(cls = 'vehicle', if(vt IN ('suv', 'van'), 'car', vt), cls = 'person', 'person', cls = 'non_motor', 'bicycle',
            ev IN ('illegal_parking', 'wrong_way'), 'car', ev = 'abandoned_object', 'suitcase', 'person') AS label,
    toFloat32(0.45 + (h7 % 540) / 1000) AS score,
    [toFloat32(bx), toFloat32(by), toFloat32(least(1, bx + 0.05 + (h8 % 300) / 1000)), toFloat32(least(1, by + 0.08 + (bitShiftRight(h8, 20) % 400) / 1000))] AS box,
    toUInt32(h3 % 100000) AS track,
    if(cls = 'event', concat('zone-', toString(1 + h7 % 3)), '') AS zone,
    if(cls = 'event', concat(ev, '-', toString(1 + h7 % 2)), '') AS rule,
    toUInt32(if(cls = 'event', 10000 + h8 % 600000, 500 + h8 % 20000)) AS duration_ms,
    if(cls = 'vehicle', vcol, '') AS color,
    if(cls = 'person', up, '') AS upper_color,
    if(cls = 'person', lo, '') AS lower_color,
    if(cls = 'vehicle', vt, '') AS vehicle_type,
    if(has_plate, plate_text, '') AS plate,
    toFloat32(if(has_plate, 0.7 + (h6 % 300) / 1000, 0)) AS plate_score,
    if(cls = 'vehicle', ['northbound', 'southbound', 'eastbound', 'westbound'][1 + h8 % 4], '') AS direction,
    if(cls = 'person', base64Encode(concat(regs[(indexOf({palette:Array(String)}, up) - 1) * {variants:UInt8} + 1 + h7 % {variants:UInt8}],
                                           regs[(indexOf({palette:Array(String)}, lo) - 1) * {variants:UInt8} + 1 + h8 % {variants:UInt8}])), '') AS appearance,
    '' AS snapshot,
    'nanodet-g-416' AS model
FROM
(
    SELECT
        number,
        intHash64(number * 8 + 0 + {seed:UInt64} * 1000000000000) AS h1,
        intHash64(number * 8 + 1 + {seed:UInt64} * 1000000000000) AS h2,
        intHash64(number * 8 + 2 + {seed:UInt64} * 1000000000000) AS h3,
        intHash64(number * 8 + 3 + {seed:UInt64} * 1000000000000) AS h4,
        intHash64(number * 8 + 4 + {seed:UInt64} * 1000000000000) AS h5,
        intHash64(number * 8 + 5 + {seed:UInt64} * 1000000000000) AS h6,
        intHash64(number * 8 + 6 + {seed:UInt64} * 1000000000000) AS h7,
        intHash64(number * 8 + 7 + {seed:UInt64} * 1000000000000) AS h8,
        {dayStartMs:Int64} + (arrayFirstIndex(c -> c > (h1 % 1000000) / 1000000, {cum:Array(Float64)}) - 1) * 3600000 + toInt64(h2 % 3600000) AS ts_ms,
        1 + h3 % length({cams:Array(String)}) AS ci,
        multiIf(h4 % 1000 < 550, 'vehicle', h4 % 1000 < 880, 'person', h4 % 1000 < 950, 'non_motor', 'event') AS cls,
        {events:Array(String)}[1 + bitShiftRight(h4, 16) % length({events:Array(String)})] AS ev,
        (h7 % 900) / 1000 AS bx,
        (bitShiftRight(h7, 24) % 850) / 1000 AS by,
        -- Plates: rank ~ pool·u² (power-law repeats); identity, colour and type derive from the rank.
        toUInt64(floor({platePool:UInt64} * pow((bitShiftRight(h5, 11) % 1000000007) / 1000000007, 2))) AS prank,
        intHash64(prank + 7777777777) AS hp,
        cls = 'vehicle' AND h6 % 100 < 92 AS has_plate,
        concat(
            if(hp % 100 < 80, '浙', {provinces:Array(String)}[1 + bitShiftRight(hp, 7) % length({provinces:Array(String)})]),
            substring(letters, 1 + bitShiftRight(hp, 13) % if(hp % 100 < 80, 11, 24), 1),
            if(bitShiftRight(hp, 19) % 100 < 12,
               concat(['D', 'F'][1 + bitShiftRight(hp, 26) % 2], toString(10000 + bitShiftRight(hp, 28) % 90000)),
               arrayStringConcat(arrayMap(i -> if(bitShiftRight(hp, 28 + 7 * i) % 100 < 18,
                                                  substring(letters, 1 + bitShiftRight(hp, 31 + 7 * i) % 24, 1),
                                                  toString(bitShiftRight(hp, 30 + 7 * i) % 10)), range(5))))
        ) AS plate_text,
        if(has_plate, {vcolours:Array(String)}[1 + bitShiftRight(hp, 40) % length({vcolours:Array(String)})],
                      {vcolours:Array(String)}[1 + h8 % length({vcolours:Array(String)})]) AS vcol,
        if(has_plate, vtypes[1 + bitShiftRight(hp, 48) % length(vtypes)], vtypes[1 + bitShiftRight(h8, 8) % length(vtypes)]) AS vt,
        {uppers:Array(String)}[1 + bitShiftRight(h5, 3) % length({uppers:Array(String)})] AS up,
        {lowers:Array(String)}[1 + bitShiftRight(h6, 3) % length({lowers:Array(String)})] AS lo
    FROM numbers_mt({start:UInt64}, {count:UInt64})
)
