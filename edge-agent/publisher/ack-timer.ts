/**
 * How long the publisher waits for a message's ack before it sends the message again. The
 * configured `ackTimeoutMs` is the floor; above it the wait follows the acks' own pace, the way
 * TCP sets its retransmission timeout: a smoothed ack time plus four times its variation, from
 * messages sent once only (an ack after a resend cannot say which copy it answers), and doubled
 * after every timeout until a fresh ack is measured, up to `capMs`. An overloaded ingest
 * (backpressure: docs/ingest.md) acks late but acks; resending everything it holds at a fixed
 * timeout only made it parse and claim each message again. Pure.
 */
export class AckTimer {
  private srtt: number | undefined;
  private rttvar = 0;
  private backoff = 1;

  constructor(
    private readonly floorMs: number,
    private readonly capMs = floorMs * 8,
  ) {}

  /** A message sent once was acked `ms` after it was sent. */
  sample(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return;
    if (this.srtt === undefined) {
      this.srtt = ms;
      this.rttvar = ms / 2;
    } else {
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - ms);
      this.srtt = 0.875 * this.srtt + 0.125 * ms;
    }
    this.backoff = 1;
  }

  /** Messages timed out and are being sent again: wait twice as long before the next timeout. */
  timedOut(): void {
    this.backoff = Math.min(this.backoff * 2, 1024);
  }

  /** A new connection: whatever was in flight is sent again anyway, so start from the measured pace. */
  reset(): void {
    this.backoff = 1;
  }

  /** The current wait, ms. */
  get timeoutMs(): number {
    const paced =
      this.srtt === undefined ? this.floorMs : Math.max(this.floorMs, this.srtt + 4 * this.rttvar);
    return Math.min(this.capMs, paced * this.backoff);
  }
}
