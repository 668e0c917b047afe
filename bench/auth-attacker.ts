/**
 * The attacker of bench/auth.ts, run as its own process (its CPU must not count as the
 * server's event loop): `clients` loops, half sending requests with unknown API keys, half
 * connecting to MQTT with wrong passwords, each as fast as its answers come back, until
 * `durationMs` passes or `maxAttempts` have been made. Only 127.0.0.1. Prints one JSON line:
 * `{ http, mqtt, httpByStatus }`.
 *
 *   tsx bench/auth-attacker.ts API_URL MQTT_URL CLIENTS DURATION_MS MAX_ATTEMPTS
 */
import { randomBytes } from 'node:crypto';
import mqtt from 'mqtt';

const [apiUrl = '', mqttUrl = '', clientsArg = '50', durationArg = '8000', maxArg = '200000'] =
  process.argv.slice(2);
for (const u of [apiUrl, mqttUrl]) {
  if (new URL(u).hostname !== '127.0.0.1') {
    process.stderr.write(`auth-attacker: only 127.0.0.1 is attacked, not ${u}\n`);
    process.exit(2);
  }
}
const clients = Number(clientsArg);
const endMs = Date.now() + Number(durationArg);
const maxAttempts = Number(maxArg);
let attempts = 0;
const counts = { http: 0, mqtt: 0, httpByStatus: {} as Record<string, number> };
const more = () => Date.now() < endMs && attempts++ < maxAttempts;

async function httpLoop(i: number): Promise<void> {
  while (more()) {
    // Alternate the two key forms: an id-less key (tries each hash) and an unknown key id.
    const key =
      i % 2 === 0
        ? `xl_${randomBytes(32).toString('base64url')}`
        : `xl~nobody-${i}~${randomBytes(32).toString('base64url')}`;
    try {
      const r = await fetch(`${apiUrl}/api/v1/me`, { headers: { authorization: `Bearer ${key}` } });
      await r.arrayBuffer();
      counts.httpByStatus[r.status] = (counts.httpByStatus[r.status] ?? 0) + 1;
    } catch {
      counts.httpByStatus.error = (counts.httpByStatus.error ?? 0) + 1;
    }
    counts.http++;
  }
}

async function mqttLoop(i: number): Promise<void> {
  while (more()) {
    await mqtt
      .connectAsync(mqttUrl, {
        clientId: `gw-xihu-01-a${i}`,
        username: 'gw-xihu-01',
        password: `wrong-${randomBytes(8).toString('hex')}`,
        reconnectPeriod: 0,
        connectTimeout: 5000,
        protocolVersion: 4,
      })
      .then(
        (c) => c.end(true),
        () => undefined,
      );
    counts.mqtt++;
  }
}

// Tells bench/auth.ts the attack has begun (its clock must not include this process's start).
process.stderr.write('auth-attacker: attacking\n');
await Promise.all(Array.from({ length: clients }, (_, i) => (i % 2 === 0 ? httpLoop(i) : mqttLoop(i))));
process.stdout.write(`${JSON.stringify(counts)}\n`);
