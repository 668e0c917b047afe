/**
 * The MQTT interface as an AsyncAPI 3.0 document (docs/asyncapi.yaml), generated from the same
 * TypeBox contracts that validate the messages (contracts/hit.ts, status.ts, ack.ts,
 * task-notice.ts) and the topic builders (contracts/topics.ts). `npm run docs:asyncapi`
 * rewrites the file; contracts/asyncapi.test.ts fails when it is stale and parses it with
 * @asyncapi/parser. The application described is the central tier (ingest + alert engine):
 * it receives what gateways publish and sends acks and task notifications. Pure.
 */
import type { TSchema } from '@sinclair/typebox';
import { AckMessage } from './ack.js';
import { Hit, HitEnvelope, LIMITS } from './hit.js';
import { GatewayStatus, STATUS_EVERY_MS, STATUS_MAX_BYTES, STATUS_OFFLINE } from './status.js';
import { TaskNotice } from './task-notice.js';
import { SensorEnvelope, SensorEvent, SensorReading } from './sensor.js';
import { SignalPhase } from './signal.js';
import { TOPIC_ROOT, topics } from './topics.js';

/** A TypeBox schema as plain JSON (TypeBox's symbol keys dropped). */
const plain = (s: TSchema): Record<string, unknown> =>
  JSON.parse(JSON.stringify(s)) as Record<string, unknown>;
const ref = (path: string) => ({ $ref: path });
const qos1 = (retain: boolean) => ({ mqtt: { qos: 1, retain, bindingVersion: '0.2.0' } });

/** Channel address templates, built with the contract's own topic builders. */
export const CHANNEL_ADDRESSES = {
  gatewayHits: topics.hits('{gateway}'),
  gatewaySnapshot: topics.snapshot('{gateway}', '{snapshotId}'),
  gatewayStatus: topics.status('{gateway}'),
  gatewayAck: topics.ack('{gateway}'),
  gridTasks: topics.gridTasks('{org}'),
  gatewaySensors: topics.sensors('{gateway}'),
  signalPhase: topics.signal('{controller}'),
} as const;

const PARAMS = {
  gateway: { description: 'Gateway id (city.yaml `gateways`): the MQTT username it connects with' },
  snapshotId: { description: 'Snapshot id (ULID), named by a hit’s `snapshot` field' },
  org: { description: 'Org id (a grid, or an org above it on the task’s path)' },
  controller: { description: 'Traffic-signal controller id (named by red_light rules in gateway.yaml)' },
};

function channels() {
  const msg = (name: string) => ({ [name]: ref(`#/components/messages/${name}`) });
  return {
    gatewayHits: {
      address: CHANNEL_ADDRESSES.gatewayHits,
      title: 'Hits of a gateway',
      description:
        'A gateway publishes batches of hits (flushed every 100–250 ms or at a size bound) from its disk spool. ' +
        'The ingest tier validates every hit; invalid ones go to quarantine with the reason. ' +
        'A gateway may publish only under its own prefix and only for cameras assigned to it.',
      parameters: { gateway: PARAMS.gateway },
      messages: msg('hitEnvelope'),
    },
    gatewaySnapshot: {
      address: CHANNEL_ADDRESSES.gatewaySnapshot,
      title: 'A snapshot image',
      description: `Raw JPEG bytes (at most ${LIMITS.snapshotBytes} bytes) of an image a hit names: its \`snapshot\` (the crop) or, for events, its \`frame\` (the whole frame with box and zone drawn); spooled and acked like hits. Snapshots no hit names within the grace period are swept to quarantine.`,
      parameters: { gateway: PARAMS.gateway, snapshotId: PARAMS.snapshotId },
      messages: msg('snapshot'),
    },
    gatewayStatus: {
      address: CHANNEL_ADDRESSES.gatewayStatus,
      title: 'Gateway status (retained)',
      description: `The gateway's state and each camera's, published retained on change and every ${STATUS_EVERY_MS} ms (at most ${STATUS_MAX_BYTES} bytes); the broker publishes the last will \`${STATUS_OFFLINE}\` when the gateway's connection dies.`,
      parameters: { gateway: PARAMS.gateway },
      messages: { ...msg('gatewayStatus'), ...msg('gatewayOffline') },
    },
    gatewayAck: {
      address: CHANNEL_ADDRESSES.gatewayAck,
      title: 'End-to-end acks to a gateway',
      description:
        'The ids of messages the central tier now holds durably (queued in Redis). The gateway deletes them from its spool; ' +
        'unacked messages are resent after a timeout and after reconnects, in order. A resend within the replay window is acked again and dropped.',
      parameters: { gateway: PARAMS.gateway },
      messages: msg('ack'),
    },
    gatewaySensors: {
      address: CHANNEL_ADDRESSES.gatewaySensors,
      title: 'Sensor readings and device alarms of a gateway',
      description:
        'Batches of readings and alarms from the devices behind a gateway (docs/iot.md), spooled, acked and quarantined like hits; ' +
        'only for sensors city.yaml assigns to the gateway, in the configured units.',
      parameters: { gateway: PARAMS.gateway },
      messages: msg('sensorEnvelope'),
    },
    signalPhase: {
      address: CHANNEL_ADDRESSES.signalPhase,
      title: 'Traffic-signal phases (retained)',
      description:
        'A controller’s phase per approach, on every change and re-sent every few seconds, on the junction’s broker; edge agents with red_light rules subscribe (docs/iot.md).',
      parameters: { controller: PARAMS.controller },
      messages: msg('signalPhase'),
    },
    gridTasks: {
      address: CHANNEL_ADDRESSES.gridTasks,
      title: 'Task notifications of an org',
      description:
        'Every change of a grid task, sent to the org that must act now and every org below it on the path to the grid. ' +
        'Grid members subscribe with an API key id as username and the key as password; the ACL lets each read only the grids in its jurisdiction.',
      parameters: { org: PARAMS.org },
      messages: msg('taskNotice'),
    },
  };
}

function operations() {
  const ch = (name: string) => ref(`#/channels/${name}`);
  const m = (channel: string, name: string) => ref(`#/channels/${channel}/messages/${name}`);
  return {
    receiveHits: {
      action: 'receive',
      channel: ch('gatewayHits'),
      title: 'Receive a batch of hits',
      summary: 'Gateway → ingest, QoS 1; acked on the ack channel once queued durably',
      description:
        'The ack protocol: (1) the gateway writes the message to its disk spool, then publishes it with QoS 1; ' +
        '(2) the ingest tier validates it and claims its msgId in Redis (a resend within the window is dropped); ' +
        '(3) when Redis holds the job, the embedded endpoint sends the PUBACK and ingest publishes the msgId on the ack channel; ' +
        '(4) the gateway deletes acked messages from its spool and resends the rest after a timeout. ' +
        'A broker’s PUBACK alone is not durability: only the ack message is.',
      messages: [m('gatewayHits', 'hitEnvelope')],
      bindings: qos1(false),
      reply: { channel: ch('gatewayAck'), messages: [m('gatewayAck', 'ack')] },
    },
    receiveSnapshot: {
      action: 'receive',
      channel: ch('gatewaySnapshot'),
      title: 'Receive a snapshot',
      summary: 'Gateway → ingest, QoS 1; acked by its id like a hits message',
      messages: [m('gatewaySnapshot', 'snapshot')],
      bindings: qos1(false),
      reply: { channel: ch('gatewayAck'), messages: [m('gatewayAck', 'ack')] },
    },
    receiveStatus: {
      action: 'receive',
      channel: ch('gatewayStatus'),
      title: 'Receive a gateway status',
      summary: 'Gateway → ingest, QoS 1, retained; the last will is the bare word offline',
      messages: [m('gatewayStatus', 'gatewayStatus'), m('gatewayStatus', 'gatewayOffline')],
      bindings: qos1(true),
    },
    receiveSensors: {
      action: 'receive',
      channel: ch('gatewaySensors'),
      title: 'Receive a batch of sensor readings and alarms',
      summary: 'Gateway → ingest, QoS 1; acked on the ack channel once queued durably, like hits',
      messages: [m('gatewaySensors', 'sensorEnvelope')],
      bindings: qos1(false),
      reply: { channel: ch('gatewayAck'), messages: [m('gatewayAck', 'ack')] },
    },
    receiveSignalPhase: {
      action: 'receive',
      channel: ch('signalPhase'),
      title: 'Receive a signal controller’s phases',
      summary: 'Controller → edge agents, QoS 1, retained',
      messages: [m('signalPhase', 'signalPhase')],
      bindings: qos1(true),
    },
    sendAck: {
      action: 'send',
      channel: ch('gatewayAck'),
      title: 'Ack messages held durably',
      summary: 'Ingest → gateway, QoS 1: the ids the gateway may delete from its spool',
      messages: [m('gatewayAck', 'ack')],
      bindings: qos1(false),
    },
    sendTaskNotice: {
      action: 'send',
      channel: ch('gridTasks'),
      title: 'Notify a task change',
      summary:
        'Alert engine → grid members, QoS 1, one message per change (the same JSON goes to webhooks and SSE)',
      messages: [m('gridTasks', 'taskNotice')],
      bindings: qos1(false),
    },
  };
}

function components() {
  const envelope = plain(HitEnvelope);
  const props = envelope.properties as Record<string, Record<string, unknown>>;
  props.hits = { ...props.hits, items: ref('#/components/schemas/Hit') };
  const sensorEnvelope = plain(SensorEnvelope);
  const sprops = sensorEnvelope.properties as Record<string, Record<string, unknown>>;
  sprops.readings = { ...sprops.readings, items: ref('#/components/schemas/SensorReading') };
  sprops.events = { ...sprops.events, items: ref('#/components/schemas/SensorEvent') };
  return {
    schemas: {
      Hit: plain(Hit),
      HitEnvelope: envelope,
      GatewayStatus: plain(GatewayStatus),
      AckMessage: plain(AckMessage),
      TaskNotice: plain(TaskNotice),
      SensorReading: plain(SensorReading),
      SensorEvent: plain(SensorEvent),
      SensorEnvelope: sensorEnvelope,
      SignalPhase: plain(SignalPhase),
    },
    messages: {
      hitEnvelope: {
        name: 'HitEnvelope',
        title: 'A batch of hits',
        contentType: 'application/json',
        payload: ref('#/components/schemas/HitEnvelope'),
      },
      snapshot: {
        name: 'Snapshot',
        title: 'A JPEG snapshot',
        contentType: 'image/jpeg',
        payload: { type: 'string', format: 'binary', maxLength: LIMITS.snapshotBytes },
      },
      gatewayStatus: {
        name: 'GatewayStatus',
        title: 'Gateway status document',
        contentType: 'application/json',
        payload: ref('#/components/schemas/GatewayStatus'),
      },
      gatewayOffline: {
        name: 'GatewayOffline',
        title: 'Last will',
        contentType: 'text/plain',
        payload: { type: 'string', const: STATUS_OFFLINE },
      },
      ack: {
        name: 'Ack',
        title: 'End-to-end ack',
        contentType: 'application/json',
        payload: ref('#/components/schemas/AckMessage'),
      },
      sensorEnvelope: {
        name: 'SensorEnvelope',
        title: 'A batch of sensor readings and alarms',
        contentType: 'application/json',
        payload: ref('#/components/schemas/SensorEnvelope'),
      },
      signalPhase: {
        name: 'SignalPhase',
        title: 'Phases of a signal controller',
        contentType: 'application/json',
        payload: ref('#/components/schemas/SignalPhase'),
      },
      taskNotice: {
        name: 'TaskNotice',
        title: 'A task change',
        contentType: 'application/json',
        payload: ref('#/components/schemas/TaskNotice'),
      },
    },
    securitySchemes: {
      gatewayPassword: {
        type: 'userPassword',
        description:
          'Gateways: username = gateway id, password from city.yaml (scrypt hash there). Grid members: an API key id and the key.',
      },
    },
  };
}

/** The AsyncAPI 3.0 document of the MQTT interface, as a plain object. */
export function asyncApiDocument(): Record<string, unknown> {
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Xueliang MQTT interface',
      version: '1',
      description:
        `Gateways publish hits, snapshots and their status under \`${TOPIC_ROOT}/gw/{gateway}/\`; the central tier acks what it holds durably and notifies grid members of task changes under \`${TOPIC_ROOT}/grid/{org}/tasks\`. ` +
        'MQTT 3.1.1, QoS 1 throughout. Generated from contracts/ (docs/ingest.md, docs/alerts.md); the HTTP API is described at /docs.',
      license: { name: 'Apache-2.0' },
    },
    defaultContentType: 'application/json',
    servers: {
      ingest: {
        host: 'localhost:1883',
        protocol: 'mqtt',
        protocolVersion: '3.1.1',
        description:
          'The ingest tier’s embedded MQTT endpoint (`xueliang up` / `xueliang ingest`), or a broker it subscribes to',
        security: [ref('#/components/securitySchemes/gatewayPassword')],
        bindings: {
          mqtt: {
            cleanSession: false,
            keepAlive: 30,
            lastWill: { topic: topics.status('{gateway}'), qos: 1, message: STATUS_OFFLINE, retain: true },
            bindingVersion: '0.2.0',
          },
        },
      },
      ingestTls: {
        host: 'localhost:8883',
        protocol: 'mqtts',
        protocolVersion: '3.1.1',
        description: 'The same over TLS (production)',
        security: [ref('#/components/securitySchemes/gatewayPassword')],
      },
    },
    channels: channels(),
    operations: operations(),
    components: components(),
  };
}
