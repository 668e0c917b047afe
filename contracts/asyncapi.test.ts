/**
 * docs/asyncapi.yaml is what the generator makes from the contracts today, it is a valid
 * AsyncAPI 3 document for @asyncapi/parser, and it covers every topic of contracts/topics.ts
 * with the schemas that validate the messages.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Parser } from '@asyncapi/parser';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { describe, expect, it } from 'vitest';
import { AckMessage, encodeAck } from './ack.js';
import { asyncApiDocument, CHANNEL_ADDRESSES } from './asyncapi.js';
import { asyncApiYaml } from './asyncapi-yaml.js';
import { makeEnvelope, makeHit } from './testkit.js';
import { Hit } from './hit.js';
import { projectRoot } from './testdata.js';
import { parseTopic, topics } from './topics.js';

const file = join(projectRoot, 'docs', 'asyncapi.yaml');

describe('docs/asyncapi.yaml', () => {
  it('is what `npm run docs:asyncapi` makes from the contracts', () => {
    expect(readFileSync(file, 'utf8')).toBe(asyncApiYaml());
  });

  it('parses with @asyncapi/parser without errors, and names every channel and operation', async () => {
    const parser = new Parser();
    const { document, diagnostics } = await parser.parse(readFileSync(file, 'utf8'));
    const errors = diagnostics.filter((d) => d.severity === 0);
    expect(errors.map((d) => `${d.path.join('.')}: ${d.message}`)).toEqual([]);
    expect(document).toBeDefined();
    expect(document!.version()).toBe('3.0.0');
    const addresses = document!
      .channels()
      .all()
      .map((c) => c.address());
    expect(addresses.sort()).toEqual(Object.values(CHANNEL_ADDRESSES).sort());
    const ops = document!.operations().all();
    expect(ops.map((o) => `${o.action()} ${o.channels().all()[0]?.address()}`).sort()).toEqual(
      [
        `receive ${topics.hits('{gateway}')}`,
        `receive ${topics.snapshot('{gateway}', '{snapshotId}')}`,
        `receive ${topics.status('{gateway}')}`,
        `receive ${topics.sensors('{gateway}')}`,
        `receive ${topics.signal('{controller}')}`,
        `send ${topics.ack('{gateway}')}`,
        `send ${topics.gridTasks('{org}')}`,
      ].sort(),
    );
    for (const o of ops) expect(o.bindings().get('mqtt')?.value()).toMatchObject({ qos: 1 });
    expect(document!.operations().get('receiveHits')?.reply()?.channel()?.address()).toBe(
      topics.ack('{gateway}'),
    );
  });

  it('covers every kind of topic the contract parses', () => {
    const kinds = Object.values(CHANNEL_ADDRESSES).map(
      (a) => parseTopic(a.replace(/\{(\w+)\}/g, 'x1'))?.kind,
    );
    expect(kinds.sort()).toEqual(['ack', 'gridTasks', 'hits', 'sensors', 'signal', 'snapshot', 'status']);
  });

  it('carries the schemas that validate real messages', () => {
    const schemas = (asyncApiDocument().components as { schemas: Record<string, object> }).schemas;
    const hit = makeHit();
    expect(TypeCompiler.Compile(Hit).Check(hit)).toBe(true);
    // The document's Hit schema is the contract's, as plain JSON.
    expect(schemas.Hit).toEqual(JSON.parse(JSON.stringify(Hit)));
    const envelope = JSON.parse(JSON.stringify(makeEnvelope([hit])));
    expect(Object.keys((schemas.HitEnvelope as { properties: object }).properties).sort()).toEqual(
      Object.keys(envelope).sort(),
    );
    expect(
      TypeCompiler.Compile(AckMessage).Check(
        JSON.parse(encodeAck(['01JD0000000000000000000000']).toString()),
      ),
    ).toBe(true);
    expect(schemas.AckMessage).toEqual(JSON.parse(JSON.stringify(AckMessage)));
  });
});
