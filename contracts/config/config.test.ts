import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../testdata.js';
import { ConfigError, loadCityConfig, loadGatewayConfig } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'xl-config-'));
function yamlFile(text: string): string {
  const f = join(dir, `c${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(f, text);
  return f;
}
function problemsOf(fn: () => unknown) {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

const ONE_ORG = 'orgs: [ { id: c, name: C, kind: city } ]\n';

describe('city config', () => {
  it('loads the sample with defaults, frozen', () => {
    const c = loadCityConfig(join(projectRoot, 'deploy/city.yaml'));
    expect(c.cameras.length).toBeGreaterThan(5);
    expect(c.retention.hitsDays).toBe(30);
    expect(c.ingest.bundleMaxHits).toBe(10_000);
    expect(Object.isFrozen(c.cameras[0])).toBe(true);
  });

  it('defaults everything but the org tree', () => {
    const c = loadCityConfig(yamlFile(ONE_ORG));
    expect(c.http.port).toBe(8080);
    expect(c.store.clickhouse).toMatch(/^chdb:/);
  });

  it('refuses a city without an org tree, naming the file and path', () => {
    const f = yamlFile('');
    expect(() => loadCityConfig(f)).toThrow(f);
    expect(problemsOf(() => loadCityConfig(f))).toEqual([
      expect.objectContaining({ path: '/orgs', message: expect.stringMatching(/no org tree/) }),
    ]);
  });

  it('reports cross-reference problems beside schema problems', () => {
    const f = yamlFile(
      'http:\n  port: 99999\ncameras:\n  - { id: cam-1, grid: nowhere, gateway: gw-x, lat: 1, lon: 1 }\n',
    );
    const paths = problemsOf(() => loadCityConfig(f)).map((x) => x.path);
    expect(paths).toEqual(expect.arrayContaining(['/http/port', '/orgs', '/cameras/0/grid']));
  });

  it('names the path and line of a bad value', () => {
    const f = yamlFile(
      'orgs:\n  - { id: c, name: C, kind: city, children: [ { id: g, name: G, kind: grid } ] }\ngateways: [ { id: gw } ]\ncameras:\n  - { id: cam-1, grid: g, gateway: gw, lat: 95, lon: 120 }\n',
    );
    const p = problemsOf(() => loadCityConfig(f));
    expect(p[0]?.path).toBe('/cameras/0/lat');
    expect(p[0]?.line).toBe(5);
    expect(p[0]?.message).toMatch(/90/);
  });

  it('rejects unknown keys', () => {
    const p = problemsOf(() => loadCityConfig(yamlFile('http:\n  prot: 80\n')));
    expect(p.some((x) => x.path.startsWith('/http'))).toBe(true);
  });

  it('checks references between sections', () => {
    const f = yamlFile(
      'orgs: [ { id: c, name: C, kind: city } ]\ncameras:\n  - { id: cam-1, grid: nowhere, gateway: gw-x, lat: 1, lon: 1 }\n',
    );
    const p = problemsOf(() => loadCityConfig(f));
    expect(p.map((x) => x.path)).toEqual(['/cameras/0/grid', '/cameras/0/gateway']);
  });

  it('reports YAML syntax errors with a line', () => {
    const p = problemsOf(() => loadCityConfig(yamlFile('http:\n  port: [1,\n')));
    expect(p[0]?.line).toBeGreaterThan(0);
  });

  it('applies environment overrides, validated like the file', () => {
    const c = loadCityConfig(yamlFile(ONE_ORG), {
      REDIS_URL: 'redis://10.0.0.1:6380',
      XUELIANG_HTTP_PORT: '9000',
    });
    expect(c.redis.url).toBe('redis://10.0.0.1:6380');
    expect(c.http.port).toBe(9000);
    const p = problemsOf(() => loadCityConfig(yamlFile(ONE_ORG), { XUELIANG_HTTP_PORT: '99999' }));
    expect(p[0]?.path).toBe('/http/port');
  });

  it('says which file cannot be read', () => {
    expect(() => loadCityConfig('/nonexistent/city.yaml')).toThrow(/CONFIG|cannot read/);
  });
});

describe('gateway config', () => {
  it('loads the sample', () => {
    const g = loadGatewayConfig(join(projectRoot, 'deploy/gateway.yaml'));
    expect(g.gateway.id).toBe('gw-xihu-01');
    expect(g.cameras[0]?.fps).toBe(5);
  });
  it('requires the gateway id', () => {
    const p = problemsOf(() => loadGatewayConfig(yamlFile('cameras: []\n')));
    expect(p[0]?.path).toBe('/gateway');
  });
});

describe('gateway config cross-references', () => {
  it('names a rule that points at a missing zone', () => {
    const f = yamlFile(
      'gateway: { id: gw-1 }\ncameras:\n  - id: cam-1\n    url: rtsp://x/1\n    zones: [ { id: gate, polygon: [[0,0],[1,0],[1,1]] } ]\n    rules: [ { id: r1, type: zone_intrusion, zone: nowhere } ]\n',
    );
    const p = problemsOf(() => loadGatewayConfig(f));
    expect(p.map((x) => x.path)).toContain('/cameras/0/rules/0/zone');
  });
  it('refuses motion zoom without the motion gate, and takes it with the gate', () => {
    const base =
      'gateway: { id: gw-1 }\ncameras:\n  - { id: cam-1, url: rtsp://x/1 }\nmodel: { zoomCrops: 2 }\n';
    const p = problemsOf(() => loadGatewayConfig(yamlFile(base)));
    expect(p).toEqual([
      expect.objectContaining({ path: '/model/zoomCrops', message: expect.stringMatching(/motion/) }),
    ]);
    expect(loadGatewayConfig(yamlFile(`${base}motion: { enabled: true }\n`)).model.zoomCrops).toBe(2);
  });
});
