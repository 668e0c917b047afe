import { rootLogger } from '../../contracts/log.js';
import { defineCommand } from '../cli.js';
import { onShutdown } from '../stack.js';
import { startUp, UP_OPTIONS } from '../up-core.js';

export default defineCommand({
  name: 'up',
  summary: 'Run everything on embedded defaults: MQTT endpoint, Redis, embedded ClickHouse, ingest, API',
  options: UP_OPTIONS,
  details: [
    'Prints the MQTT URL and the API URL at start. On first start it creates an admin API key,',
    'prints it once and writes it to <data>/admin-api-key (mode 0600).',
    '',
    'Examples:',
    '  xueliang up                                   # sample city, ./data, :8080, MQTT :1884',
    '  xueliang up --port 8080 --mqtt-port 1884 --data ./data --open',
    '  xueliang up --mqtt-url mqtt://127.0.0.1:1883 --redis-url redis://127.0.0.1:6379',
  ].join('\n'),
  async run({ values }) {
    const stack = await startUp(values, process.env);
    onShutdown(rootLogger(), stack.stop);
    await new Promise(() => {});
    return 0;
  },
});
