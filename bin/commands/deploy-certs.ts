/**
 * `xueliang deploy certs`: a city CA, the central tier's server certificate and one client
 * certificate per gateway of city.yaml (bin/certs.ts, docs/deploy.md#tls).
 */
import { relative, resolve } from 'node:path';
import { loadCityConfig } from '../../contracts/config/index.js';
import { makeCityCerts } from '../certs.js';
import { defineCommand, int, str, strings, UsageError } from '../cli.js';

export default defineCommand({
  name: 'deploy certs',
  summary: 'Create a city CA, a server certificate and a client certificate per gateway (openssl)',
  options: {
    city: { type: 'string', arg: 'FILE', description: 'city.yaml (its city id and gateways; required)' },
    out: { type: 'string', arg: 'DIR', description: 'Folder for the certificates and keys (required)' },
    host: {
      type: 'string',
      arg: 'NAME',
      multiple: true,
      description: 'DNS name of the central tier in the server certificate',
    },
    ip: { type: 'string', arg: 'ADDR', multiple: true, description: 'IP address in the server certificate' },
    days: {
      type: 'string',
      arg: 'N',
      description: 'Validity of the server and gateway certificates, days',
      default: '825',
    },
    'ca-days': { type: 'string', arg: 'N', description: 'Validity of a new CA, days', default: '3650' },
  },
  details: [
    'Writes DIR/ca.crt and ca.key (kept when they exist: new certificates join the same CA),',
    'DIR/server.crt and server.key (the MQTT endpoint, the API; names from --host and --ip, at least',
    'one), DIR/gateways/ID.crt and ID.key for each gateway (CN = gateway id). Keys are EC P-256, mode',
    '0600; keep ca.key offline once the certificates are issued.',
    '',
    'city.yaml:     mqtt.tls.cert/key = server.crt/key, mqtt.tls.ca = ca.crt (client certificates);',
    '               http.tls.cert/key = server.crt/key',
    'gateway.yaml:  mqtt.url = mqtts://HOST:8883, mqtt.ca = ca.crt, mqtt.cert/key = gateways/ID.crt/key',
    '',
    'Example:',
    '  xueliang deploy certs --city city.yaml --out /etc/xueliang/tls --host xl.city.example --ip 10.0.0.5',
  ].join('\n'),
  async run({ values }) {
    const file = str(values, 'city');
    const outArg = str(values, 'out');
    if (!file || !outArg) throw new UsageError('--city FILE and --out DIR are required');
    const hosts = strings(values, 'host');
    const ips = strings(values, 'ip');
    if (!hosts.length && !ips.length)
      throw new UsageError('name the server: --host NAME and/or --ip ADDR (what gateways connect to)');
    const config = loadCityConfig(file, process.env);
    const out = resolve(outArg);
    const files = makeCityCerts(out, {
      city: config.city.id,
      hosts,
      ips,
      gateways: config.gateways.map((g) => g.id),
      days: int(values, 'days', 1, 3650) ?? 825,
      caDays: int(values, 'ca-days', 1, 36500) ?? 3650,
    });
    const rel = (p: string) => relative(process.cwd(), p) || p;
    process.stdout.write(
      [
        `CA:       ${rel(files.ca)} (key ${rel(files.caKey)}, 0600)`,
        `server:   ${rel(files.server.cert)} for ${[...hosts, ...ips].join(', ')}`,
        `gateways: ${Object.keys(files.gateways).length} client certificate(s) in ${rel(resolve(out, 'gateways'))}`,
        '',
      ].join('\n'),
    );
    return 0;
  },
});
