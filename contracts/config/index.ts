/** Loading the two config kinds. The composition roots (bin/) pass `process.env` in. */
import { CITY_ENV, CityConfig } from './city.js';
import { checkCity } from './city-checks.js';
import { GATEWAY_ENV, GatewayConfig } from './gateway.js';
import { type CameraRules, checkCameraRules } from './rules.js';
import { loadConfigFile, loadConfigValue } from './load.js';

export type { CityConfig } from './city.js';
export type { GatewayConfig } from './gateway.js';
export { ConfigError, type ConfigProblem } from './load.js';
import type { ConfigProblem } from './load.js';

type Env = Readonly<Record<string, string | undefined>>;

export function loadCityConfig(file: string | undefined, env: Env = {}, raw?: unknown): Readonly<CityConfig> {
  const opts = { env, envMap: CITY_ENV, semantic: checkCity as (v: never) => ConfigProblem[] };
  if (file) return loadConfigFile(CityConfig, file, opts);
  return loadConfigValue(CityConfig, raw ?? {}, '<built-in>', opts);
}

/**
 * Each camera's zone/line/rule cross-references, with paths from the file's root; and motion
 * zoom, which crops around the motion gate's blobs and would do nothing without the gate.
 */
function checkGateway(g: GatewayConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (g.model.zoomCrops > 0 && !g.motion.enabled)
    problems.push({
      path: '/model/zoomCrops',
      message: 'needs motion.enabled: true (it crops around motion)',
    });
  g.cameras.forEach((cam, k) => {
    for (const p of checkCameraRules({
      zones: cam.zones,
      lines: cam.lines,
      rules: cam.rules,
    } as CameraRules)) {
      problems.push({ ...p, path: `/cameras/${k}${p.path}` });
    }
  });
  return problems;
}

export function loadGatewayConfig(file: string, env: Env = {}): Readonly<GatewayConfig> {
  return loadConfigFile(GatewayConfig, file, {
    env,
    envMap: GATEWAY_ENV,
    semantic: checkGateway as (v: never) => ConfigProblem[],
  });
}

/** Detects which kind a YAML file is by its top-level keys. */
export function configKind(raw: unknown): 'city' | 'gateway' {
  return raw && typeof raw === 'object' && 'gateway' in raw && !('orgs' in raw) ? 'gateway' : 'city';
}

/**
 * The same config with some paths replaced (command-line flags), validated again like the
 * file: a bad flag value is reported with its config path.
 */
export function withOverrides(
  config: Readonly<CityConfig>,
  overrides: Readonly<Record<string, unknown>>,
  source = '<flags>',
): Readonly<CityConfig> {
  const raw = structuredClone(config) as unknown as Record<string, unknown>;
  for (const [path, value] of Object.entries(overrides)) {
    if (value === undefined) continue;
    const keys = path.split('/').filter(Boolean);
    let o = raw;
    for (const k of keys.slice(0, -1)) {
      if (!o[k] || typeof o[k] !== 'object') o[k] = {};
      o = o[k] as Record<string, unknown>;
    }
    o[keys[keys.length - 1]!] = value;
  }
  return loadConfigValue(CityConfig, raw, source, { semantic: checkCity as (v: never) => ConfigProblem[] });
}

export { CityConfig as CityConfigSchema } from './city.js';
export { GatewayConfig as GatewayConfigSchema } from './gateway.js';
