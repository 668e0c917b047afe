/**
 * Test helper: `promtool check metrics` (Debian package `prometheus`) on a metrics text; returns
 * its complaints, one per line (none: the exposition follows the Prometheus conventions).
 * docs/development.md lists it among the tools the integration tests need.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

export const PROMTOOL = '/usr/bin/promtool';
export const hasPromtool = existsSync(PROMTOOL);

export function promtoolCheck(text: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const p = spawn(PROMTOOL, ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (b: Buffer) => (out += b.toString()));
    p.stderr.on('data', (b: Buffer) => (out += b.toString()));
    p.on('error', reject);
    p.on('close', () => resolve(out.split('\n').filter((l) => l.trim() !== '')));
    p.stdin.end(text);
  });
}
