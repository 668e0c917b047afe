import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { ConfigError, configKind, loadCityConfig, loadGatewayConfig } from '../../contracts/config/index.js';
import { XlError } from '../../contracts/errors.js';
import { defineCommand, UsageError } from '../cli.js';

const check = defineCommand({
  name: 'config check',
  summary: 'Validate a city.yaml or gateway.yaml; print each problem with its path and line (exit 1 if any)',
  positionals: 'FILE',
  details:
    'The kind is told by the top-level keys (a `gateway:` section without `orgs:` is a gateway file).\nExample: xueliang config check deploy/city.yaml',
  options: {
    kind: { type: 'string', arg: 'city|gateway', description: 'Force the file kind instead of detecting it' },
    json: { type: 'boolean', description: 'Print `{ ok, kind, problems: [{ path, line, message }] }`' },
  },
  run({ values, positionals }) {
    const file = positionals[0];
    if (!file || positionals.length > 1) throw new UsageError('give exactly one FILE');
    let kind = values.kind as string | undefined;
    if (kind !== undefined && kind !== 'city' && kind !== 'gateway')
      throw new UsageError('--kind must be city or gateway');
    try {
      kind ??= configKind(parse(readFileSync(file, 'utf8')));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT')
        throw new XlError('CONFIG_UNREADABLE', `cannot read config ${file}: no such file`);
      kind ??= 'city';
    }
    try {
      if (kind === 'gateway') loadGatewayConfig(file);
      else loadCityConfig(file);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      if (values.json) process.stdout.write(`${JSON.stringify({ ok: false, kind, problems: e.problems })}\n`);
      else process.stderr.write(`${e.code}: ${e.message}\n`);
      return 1;
    }
    if (values.json) process.stdout.write(`${JSON.stringify({ ok: true, kind, problems: [] })}\n`);
    else process.stdout.write(`${file}: ok (${kind} config)\n`);
    return 0;
  },
});

export default { name: 'config', summary: 'Configuration tools', subcommands: [check] };
