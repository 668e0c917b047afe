/**
 * Bounded waits for shutdown paths: a close that depends on something already gone (a broker
 * killed, a child that will not exit) must not hang the process that is stopping.
 */

/** Waits for `p` at most `ms`: true when it settled in time (a rejection counts as settled). */
export async function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((r) => {
    timer = setTimeout(() => r(false), ms);
    timer.unref();
  });
  try {
    return await Promise.race([
      p.then(
        () => true,
        () => true,
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Ends an MQTT client cleanly (a clean end waits for every QoS 1 PUBACK) or, when none comes
 * within `ms` (the broker is gone), by force: unacked messages are the sender's to resend.
 */
export async function endMqtt(
  client: { endAsync(): Promise<void>; end(force: boolean): unknown },
  ms = 2_000,
): Promise<void> {
  if (!(await within(client.endAsync(), ms))) client.end(true);
}
