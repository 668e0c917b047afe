/**
 * gateway.yaml: one edge agent's config (cameras, model, MQTT, spool, metrics).
 */
import { type Static, Type as T } from '@sinclair/typebox';

export const CameraSource = T.Object(
  {
    id: T.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]*$', description: 'Camera id (as in city.yaml)' }),
    url: T.String({ minLength: 1, description: 'rtsp://… URL, or a video file path (played in real time)' }),
    fps: T.Number({ exclusiveMinimum: 0, maximum: 60, default: 5, description: 'Frames per second to analyse' }),
    width: T.Integer({ minimum: 32, maximum: 7680, default: 640, description: 'Decode width, px' }),
    height: T.Integer({ minimum: 32, maximum: 4320, default: 360, description: 'Decode height, px' }),
    loop: T.Boolean({ default: false, description: 'Loop a file source (a replayed file behaves like a camera)' }),
    rules: T.Array(T.Unknown(), { default: [], description: 'Zones and behaviour rules (see the rules reference)' }),
  },
  { additionalProperties: false },
);

export const GatewayConfig = T.Object(
  {
    gateway: T.Object(
      {
        id: T.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]*$', description: 'Gateway id (MQTT username)' }),
        password: T.String({ default: '', description: 'MQTT password for this gateway' }),
      },
      { additionalProperties: false, description: 'Who this gateway is' },
    ),
    mqtt: T.Object(
      {
        url: T.String({ default: 'mqtt://127.0.0.1:1884', description: 'The ingest tier’s MQTT endpoint' }),
        ackTimeoutMs: T.Integer({ minimum: 100, maximum: 600_000, default: 10_000, description: 'Resend a message not acked within this, ms' }),
        flushMs: T.Integer({ minimum: 10, maximum: 5_000, default: 200, description: 'Hits are sent in envelopes at this interval, ms' }),
      },
      { additionalProperties: false, default: {}, description: 'Connection to the ingest tier' },
    ),
    model: T.Object(
      {
        name: T.String({ default: 'nanodet-g-416', description: 'Detector from the model manifest' }),
        dir: T.String({ default: '', description: 'Models directory (empty: the user cache)' }),
        threads: T.Integer({ minimum: 1, maximum: 64, default: 2, description: 'Inference threads (intraOpNumThreads)' }),
        minScore: T.Number({ minimum: 0, maximum: 1, default: 0.35, description: 'Detections below this are ignored' }),
      },
      { additionalProperties: false, default: {}, description: 'Detector' },
    ),
    spool: T.Object(
      {
        dir: T.String({ default: './spool', description: 'Disk spool folder (messages wait here until acked)' }),
        maxBytes: T.Integer({ minimum: 1024 * 1024, default: 512 * 1024 * 1024, description: 'Spool size bound, bytes' }),
      },
      { additionalProperties: false, default: {}, description: 'Store-and-forward spool' },
    ),
    metricsPort: T.Integer({ minimum: 0, maximum: 65535, default: 9464, description: 'Prometheus metrics port (0: off)' }),
    cameras: T.Array(CameraSource, { default: [], description: 'Cameras this gateway analyses' }),
    log: T.Object(
      { level: T.String({ default: 'info', description: 'Log level' }) },
      { additionalProperties: false, default: {}, description: 'Logging' },
    ),
  },
  { additionalProperties: false, description: 'gateway.yaml — one edge agent' },
);
export type GatewayConfig = Static<typeof GatewayConfig>;

export const GATEWAY_ENV: Readonly<Record<string, string>> = Object.freeze({
  MQTT_URL: '/mqtt/url',
  XUELIANG_GATEWAY_PASSWORD: '/gateway/password',
});
