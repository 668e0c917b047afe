/**
 * city.yaml: the central tier's one config file (org tree, cameras, gateways, services,
 * ingest, API, retention). Each section lives in its own file.
 */
import { type Static, Type as T } from '@sinclair/typebox';
import { AlertsSection } from './alerts.js';
import { ApiSection } from './api.js';
import { IngestSection } from './ingest.js';
import { Camera, Gateway, OrgNode } from './org.js';
import { PrivacySection } from './privacy.js';
import { FusionSection, Sensor, SensorKind } from './sensors.js';
import {
  HttpSection,
  LogSection,
  MqttSection,
  RedisSection,
  RetentionSection,
  StoreSection,
} from './services.js';

export const CityConfig = T.Object(
  {
    city: T.Object(
      {
        id: T.String({ default: 'city', pattern: '^[A-Za-z0-9._-]+$', description: 'City id' }),
        name: T.String({ default: 'Xueliang city', description: 'Display name' }),
        timezone: T.String({ default: 'Asia/Shanghai', description: 'IANA timezone for daily statistics' }),
      },
      { additionalProperties: false, default: {}, description: 'The city' },
    ),
    orgs: T.Array(OrgNode, { default: [], description: 'The org tree: usually one city node at the root' }),
    cameras: T.Array(Camera, { default: [], description: 'Cameras, each with its grid and gateway' }),
    sensorKinds: T.Array(SensorKind, {
      default: [],
      description: 'Sensor kinds: metrics and units, retention, rules (docs/iot.md)',
    }),
    sensors: T.Array(Sensor, {
      default: [],
      description: 'Sensors, each with its kind, grid and gateway (docs/iot.md)',
    }),
    fusion: FusionSection,
    gateways: T.Array(Gateway, { default: [], description: 'Gateways and their MQTT credentials' }),
    store: StoreSection,
    redis: RedisSection,
    mqtt: MqttSection,
    http: HttpSection,
    ingest: IngestSection,
    api: ApiSection,
    alerts: AlertsSection,
    retention: RetentionSection,
    privacy: PrivacySection,
    log: LogSection,
  },
  { additionalProperties: false, description: 'city.yaml — the central tier' },
);
export type CityConfig = Static<typeof CityConfig>;

/** Environment variables that override a config path (the only place env is mapped). */
export const CITY_ENV: Readonly<Record<string, string>> = Object.freeze({
  CLICKHOUSE_URL: '/store/clickhouse',
  REDIS_URL: '/redis/url',
  REDIS_PASSWORD: '/redis/password',
  REDIS_SENTINEL_PASSWORD: '/redis/sentinelPassword',
  MQTT_URL: '/mqtt/url',
  XUELIANG_INGEST_MQTT_PASSWORD: '/mqtt/password',
  XUELIANG_MQTT_CLIENT_ID: '/mqtt/clientId',
  XUELIANG_HTTP_PORT: '/http/port',
  XUELIANG_LOG_LEVEL: '/log/level',
});
