/**
 * The receiver's per-hit work on one 300-hit envelope, in turns (docs/ingest.md#less-work-outside-the-store):
 * UTF-8 decode and JSON.parse of the envelope as JSON.stringify writes it (a raw plate character)
 * and as the publisher now writes it (ASCII only, contracts/ascii-json.ts); and the hits block
 * built from them (hitToRow + hitsToBlock, as the intake and the bundler do).
 * Microseconds per hit, median of --rounds.
 *
 *   npx tsx bench/ingest-encode.ts [--rounds 7] [--json]
 */
import { hitsToBlock } from '../analytics/hit-block.js';
import { hitToRow } from '../analytics/hit-rows.js';
import { blockBytes } from '../analytics/row-block.js';
import { asciiJson } from '../contracts/ascii-json.js';
import type { Hit } from '../contracts/hit.js';
import { makeEnvelope, makeHit } from '../contracts/testkit.js';
import { benchArgs } from './args.js';

const values = benchArgs('ingest-encode', "The receiver's per-hit decode, parse and block encoding", {
  rounds: { type: 'string', default: '7', description: 'Rounds (the median is reported)' },
  json: { type: 'boolean', default: false, description: 'Print one JSON object as the last line' },
});
const N = 300;
const REPS = 200;
const hits: Hit[] = Array.from({ length: N }, (_, k) =>
  makeHit({
    track: k,
    ...(k % 3 ? {} : { type: 'person', label: 'person', attrs: { upperColor: 'red', lowerColor: 'black' } }),
  }),
);
const env = makeEnvelope(hits);
const raw = Buffer.from(JSON.stringify(env));
const ascii = Buffer.from(asciiJson(env));
const parsed = (JSON.parse(ascii.toString('utf8')) as { hits: Hit[] }).hits;
const place = { grid: 'grid-1', orgPath: ['city', 'county', 'grid-1'] };

const cases: Record<string, () => unknown> = {
  parseUtf8: () => JSON.parse(raw.toString('utf8')),
  parseAscii: () => JSON.parse(ascii.toString('utf8')),
  blockViaRows: () => blockBytes(hitsToBlock(parsed.map((h) => hitToRow(h, place)))),
};

const rounds = Number(values.rounds);
const per: Record<string, number[]> = {};
for (let r = 0; r < rounds; r++)
  for (const [name, f] of Object.entries(cases)) {
    const t0 = performance.now();
    for (let i = 0; i < REPS; i++) f();
    per[name] = [...(per[name] ?? []), ((performance.now() - t0) * 1000) / (REPS * N)];
  }
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const usPerHit = Object.fromEntries(
  Object.entries(per).map(([k, v]) => [k, Math.round(median(v) * 100) / 100]),
);
const result = { envelopeHits: N, envelopeBytes: { utf8: raw.length, ascii: ascii.length }, usPerHit };
if (!values.json) process.stderr.write(`${JSON.stringify(result, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(result)}\n`);
