import { describe, expect, it } from 'vitest';
import { ffmpegArgs, isStreamUrl } from './camera-source.js';

const base = { fps: 5, width: 640, height: 360, loop: false, speed: 1, stallMs: 10_000 };

describe('ffmpegArgs', () => {
  it.each([
    {
      name: 'RTSP: TCP transport, socket timeout = stallMs, short probe',
      o: { ...base, url: 'rtsp://192.0.2.10:554/stream1' },
      input: [
        '-rtsp_transport',
        'tcp',
        '-timeout',
        '10000000',
        '-analyzeduration',
        '1000000',
        '-threads',
        '1',
      ],
    },
    {
      name: 'file in real time',
      o: { ...base, url: '/v/a.mp4' },
      input: ['-readrate', '1', '-threads', '1'],
    },
    {
      name: 'file looped at 4×',
      o: { ...base, url: '/v/a.mp4', loop: true, speed: 4 },
      input: ['-readrate', '4', '-stream_loop', '-1', '-threads', '1'],
    },
    { name: 'file unpaced (speed 0)', o: { ...base, url: 'a.avi', speed: 0 }, input: ['-threads', '1'] },
    {
      name: 'HTTP stream: no pacing or looping',
      o: { ...base, url: 'http://cam/stream.mjpg', loop: true },
      input: ['-threads', '1'],
    },
  ])('$name', ({ o, input }) => {
    const a = ffmpegArgs(o);
    expect(a.input).toEqual(input);
    expect(a.output).toEqual([
      '-an',
      '-sn',
      '-vf',
      'fps=5,scale=640:360:flags=area,format=yuv420p',
      '-pix_fmt',
      'rgb24',
      '-f',
      'rawvideo',
    ]);
  });

  it.each([
    ['rtsp://h/s', true],
    ['RTSPS://h/s', true],
    ['http://h/s', true],
    ['udp://239.0.0.1:1234', true],
    ['/data/cam.mp4', false],
    ['C:\\video\\cam.mp4', false],
    ['relative/file.avi', false],
  ])('isStreamUrl(%s) = %s', (url, want) => {
    expect(isStreamUrl(url)).toBe(want);
  });
});
