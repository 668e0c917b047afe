/** Where the central tier's services are and how they behave. Part of city.yaml. */
import { type Static, Type as T } from '@sinclair/typebox';

/** PEM files of one TLS link (docs/deploy.md#tls); paths are relative to the working folder. */
function tlsFiles(description: string, extra: Record<string, ReturnType<typeof T.String>> = {}) {
  return T.Object(
    {
      ca: T.String({
        default: '',
        maxLength: 1024,
        description: 'CA bundle (PEM) that verifies the other side',
      }),
      cert: T.String({ default: '', maxLength: 1024, description: "This side's certificate (PEM)" }),
      key: T.String({
        default: '',
        maxLength: 1024,
        description: "This side's private key (PEM, mode 0600)",
      }),
      ...extra,
    },
    { additionalProperties: false, default: {}, description },
  );
}

export const StoreSection = T.Object(
  {
    clickhouse: T.String({
      default: 'chdb://./data/clickhouse',
      pattern: '^(chdb://|https?://)',
      description:
        'ClickHouse: `chdb://PATH` for the embedded engine (a folder), or `http(s)://user:pass@host:8123` for a server',
    }),
    database: T.String({ default: 'xueliang', pattern: '^[a-z_][a-z0-9_]*$', description: 'Database name' }),
    tls: tlsFiles(
      'TLS for an `https://` ClickHouse URL: the CA of its certificate, a client certificate if it asks for one',
    ),
    cluster: T.String({
      default: '',
      maxLength: 64,
      pattern: '^([A-Za-z_][A-Za-z0-9_]*)?$',
      description:
        'ClickHouse cluster name (remote_servers): migrations run ON CLUSTER (Replicated tables `<t>_local` and Distributed `<t>`), queries read the Distributed tables, inserts go to one shard (`shards`); empty: one server or chDB (docs/deploy.md#clickhouse-cluster)',
    }),
    shards: T.Array(T.String({ pattern: '^https?://' }), {
      default: [],
      maxItems: 256,
      description:
        'With `cluster`: one URL per shard, in shard order (a node of the shard, or a load balancer over its replicas); inserts go to the shard the job id hashes to. Empty: `clickhouse` is the only shard',
    }),
  },
  { additionalProperties: false, default: {}, description: 'The analytics store' },
);

export const RedisSection = T.Object(
  {
    url: T.String({
      default: '',
      description: 'Redis URL (redis://host:6379). Empty: `xueliang up` starts a redis-server child',
    }),
    prefix: T.String({ default: 'xl', pattern: '^[A-Za-z0-9_:-]+$', description: 'Key prefix for queues' }),
    tls: tlsFiles(
      'TLS for a `rediss://` URL: the CA of the server certificate, a client certificate if it asks for one',
    ),
    sentinels: T.Array(T.String({ pattern: '^[^\\s:]+:[0-9]{1,5}$' }), {
      default: [],
      maxItems: 32,
      description:
        'Redis Sentinel addresses (`host:port`); when set they name the master instead of `url` (docs/architecture.md#redis-high-availability)',
    }),
    masterName: T.String({
      default: 'mymaster',
      pattern: '^[A-Za-z0-9._-]+$',
      description: 'The master name the sentinels monitor',
    }),
    password: T.String({ default: '', description: 'Password of the Redis servers behind the sentinels' }),
    sentinelPassword: T.String({ default: '', description: 'Password of the sentinels themselves' }),
    waitReplicas: T.Integer({
      minimum: 0,
      maximum: 16,
      default: 0,
      description:
        'Replicas that must hold a queued bundle (Redis WAIT) before its messages are acked to the gateways; 0: the master alone',
    }),
    waitMs: T.Integer({
      minimum: 10,
      maximum: 60_000,
      default: 2_000,
      description: 'How long an ack waits for `waitReplicas`, ms; short of them the messages stay unacked',
    }),
  },
  {
    additionalProperties: false,
    default: {},
    description: 'Redis: queues, task state, live feeds, shared API limits',
  },
);

export const MqttSection = T.Object(
  {
    url: T.String({
      default: '',
      description: 'An existing broker (mqtt://host:1883). Empty: the embedded MQTT endpoint',
    }),
    port: T.Integer({
      minimum: 0,
      maximum: 65535,
      default: 1884,
      description: 'Port of the embedded MQTT endpoint (0: any free port)',
    }),
    host: T.String({ default: '127.0.0.1', description: 'Address the embedded MQTT endpoint listens on' }),
    username: T.String({ default: '', description: 'Username for an existing broker' }),
    password: T.String({ default: '', description: 'Password for an existing broker' }),
    clientId: T.String({
      default: '',
      maxLength: 64,
      pattern: '^([A-Za-z0-9._-]+)?$',
      description:
        "Broker mode: this ingest process's MQTT client id, stable across restarts (a persistent session); empty: unique per process (`xl-ingest-<host>-<pid>-<random>`, clean session)",
    }),
    plaintext: T.Boolean({
      default: false,
      description:
        'Embedded endpoint: also listen without TLS on `port` when TLS is configured, or listen without TLS on a non-loopback `host` (never needed on 127.0.0.1)',
    }),
    tls: T.Object(
      {
        port: T.Integer({
          minimum: 0,
          maximum: 65535,
          default: 8883,
          description: 'Port of the embedded endpoint over TLS (0: any free port)',
        }),
        ca: T.String({
          default: '',
          maxLength: 1024,
          description:
            "CA (PEM) that signs gateways' client certificates (embedded endpoint), or the broker's certificate (broker mode)",
        }),
        cert: T.String({
          default: '',
          maxLength: 1024,
          description:
            "Embedded endpoint: the server certificate (PEM; set: the endpoint speaks MQTT over TLS). Broker mode: ingest's client certificate",
        }),
        key: T.String({
          default: '',
          maxLength: 1024,
          description: 'The private key of `cert` (PEM, mode 0600)',
        }),
        clientCerts: T.Union([T.Literal('off'), T.Literal('optional'), T.Literal('require')], {
          default: 'optional',
          description:
            "Embedded endpoint: gateways' client certificates (signed by `ca`, CN = gateway id) — off, optional (a password still works), require",
        }),
      },
      { additionalProperties: false, default: {}, description: 'MQTT over TLS (docs/deploy.md#tls)' },
    ),
  },
  { additionalProperties: false, default: {}, description: 'MQTT: the gateways talk to this' },
);

export const HttpSection = T.Object(
  {
    port: T.Integer({
      minimum: 0,
      maximum: 65535,
      default: 8080,
      description: 'HTTP port of the API and dashboard (0: any free port)',
    }),
    host: T.String({ default: '127.0.0.1', description: 'Address the API listens on' }),
    plaintext: T.Boolean({
      default: false,
      description:
        'Serve plain HTTP on a non-loopback `host` without TLS (behind a TLS proxy); never needed on 127.0.0.1',
    }),
    tls: tlsFiles(
      'HTTPS for the API and dashboard (docs/deploy.md#tls): `cert` and `key` set: HTTPS only; `ca` set: clients may present certificates it signs',
    ),
    headersTimeoutMs: T.Integer({
      minimum: 100,
      maximum: 300_000,
      default: 10_000,
      description:
        "Time a client gets to send a request's headers, ms; then the connection is closed (docs/security.md)",
    }),
    requestTimeoutMs: T.Integer({
      minimum: 100,
      maximum: 600_000,
      default: 30_000,
      description: 'Time a client gets to send a whole request (headers and body), ms',
    }),
    idleTimeoutMs: T.Integer({
      minimum: 100,
      maximum: 600_000,
      default: 60_000,
      description:
        'A connection with no traffic either way for this long is closed, ms (event streams send a heartbeat more often)',
    }),
    keepAliveTimeoutMs: T.Integer({
      minimum: 100,
      maximum: 600_000,
      default: 5_000,
      description: 'An idle keep-alive connection between requests is closed after this long, ms',
    }),
    maxConnections: T.Integer({
      minimum: 1,
      maximum: 1_000_000,
      default: 512,
      description:
        'Open HTTP connections at most; past it new ones are closed at once (keep it well below the process file limit)',
    }),
  },
  { additionalProperties: false, default: {}, description: 'The HTTP API' },
);

export const RetentionSection = T.Object(
  {
    hitsDays: T.Integer({ minimum: 1, maximum: 3650, default: 30, description: 'Days hits are kept (TTL)' }),
    snapshotsDays: T.Integer({
      minimum: 1,
      maximum: 3650,
      default: 7,
      description: 'Days snapshots are kept (TTL)',
    }),
    quarantineDays: T.Integer({
      minimum: 1,
      maximum: 3650,
      default: 14,
      description: 'Days quarantined messages are kept (TTL)',
    }),
    auditDays: T.Integer({
      minimum: 180,
      maximum: 36500,
      default: 1095,
      description:
        'Days audit rows are kept (TTL; at least the six months network logs must be kept in China)',
    }),
  },
  { additionalProperties: false, default: {}, description: 'Retention, enforced by TTL' },
);

export const LogSection = T.Object(
  {
    level: T.Union(
      ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'].map((l) => T.Literal(l)),
      {
        default: 'info',
        description: 'Log level',
      },
    ),
  },
  { additionalProperties: false, default: {}, description: 'Logging' },
);

export type StoreSection = Static<typeof StoreSection>;
