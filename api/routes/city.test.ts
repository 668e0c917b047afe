import { describe, expect, it } from 'vitest';
import { type GatewayStatus, STATUS_EVERY_MS } from '../../contracts/status.js';
import type { KeptStatus } from '../../ingest/gateway-status.js';
import { cameraStatus } from './city.js';

// calendar-safe: a pure function of the time it is given (no store, no clock).
const NOW = 1_790_000_100_000;
const online = (receivedMs = NOW - 1000): KeptStatus & GatewayStatus => ({
  v: 1,
  gateway: 'gw-1',
  state: 'online',
  tsMs: receivedMs,
  receivedMs,
  cameras: {
    'cam-1': {
      state: 'streaming',
      tsMs: NOW - 60_000,
      reconnects: 1,
      framesIn: 300,
      lastFrameMs: NOW - 1200,
      framesProcessed: 290,
      framesDropped: 10,
      fps: 5,
    },
  },
});

describe('cameraStatus', () => {
  it('passes the camera’s part of an online gateway’s status on', () => {
    expect(cameraStatus(online(), 'cam-1', NOW)).toEqual({
      state: 'streaming',
      gateway: 'online',
      reportedMs: NOW - 1000,
      stale: false,
      sinceMs: NOW - 60_000,
      lastFrameMs: NOW - 1200,
      framesProcessed: 290,
      framesDropped: 10,
      reconnects: 1,
      fps: 5,
    });
  });

  it('is stale when an online gateway has not reported for three of its periods', () => {
    expect(cameraStatus(online(NOW - 3 * STATUS_EVERY_MS - 1), 'cam-1', NOW).stale).toBe(true);
    expect(cameraStatus(online(NOW - 3 * STATUS_EVERY_MS + 1000), 'cam-1', NOW).stale).toBe(false);
  });

  it('offline (the last will), stopped, and a camera the gateway does not report', () => {
    expect(cameraStatus({ state: 'offline', receivedMs: NOW - 5 }, 'cam-1', NOW)).toEqual({
      state: 'offline',
      gateway: 'offline',
      reportedMs: NOW - 5,
      stale: false,
    });
    const stopped: KeptStatus = { ...online(), state: 'stopped', cameras: {} };
    expect(cameraStatus(stopped, 'cam-1', NOW)).toMatchObject({ state: 'stopped', gateway: 'stopped' });
    expect(cameraStatus(online(), 'cam-9', NOW)).toMatchObject({ state: 'unknown', gateway: 'online' });
  });

  it('passes blurFaces on, so the dashboard can mark an unblurred camera’s snapshots', () => {
    const s = online();
    s.cameras['cam-1']!.blurFaces = false;
    expect(cameraStatus(s, 'cam-1', NOW)).toMatchObject({ blurFaces: false });
    expect(cameraStatus(online(), 'cam-1', NOW)).not.toHaveProperty('blurFaces');
  });
});
