/**
 * Framing of SIP over a byte stream (TCP, TLS): RFC 3261 §18.3 — a message ends after the empty
 * line plus Content-Length bytes; Content-Length is mandatory on streams, and one that is missing,
 * not a number or given twice breaks the framing for good (RFC 4475 §3.1.2.3, §3.3.9: the
 * connection is closed). Leading CRLFs are keep-alives (RFC 5626 §3.5.1) and are skipped. Pure:
 * bytes in, whole messages out.
 */
export type Frame = { kind: 'message'; bytes: Buffer } | { kind: 'error'; detail: string; bytes: Buffer };

const SEP = Buffer.from('\r\n\r\n');

export class StreamFramer {
  private buf: Buffer = Buffer.alloc(0);
  /** Set after an unrecoverable framing error: the stream must be closed. */
  broken = false;

  constructor(private readonly maxBytes: number) {}

  /** Whether part of a message has arrived and the rest not yet (the slowloris deadline runs). */
  get pending(): boolean {
    return this.buf.length > 0;
  }

  push(data: Buffer): Frame[] {
    if (this.broken) return [];
    this.buf = this.buf.length === 0 ? data : Buffer.concat([this.buf, data]);
    const out: Frame[] = [];
    for (;;) {
      let start = 0;
      while (
        start < this.buf.length &&
        (this.buf[start] === 0x0d || this.buf[start] === 0x0a) &&
        start < this.buf.length
      )
        start++;
      if (start > 0) this.buf = this.buf.subarray(start);
      if (this.buf.length === 0) break;
      const end = this.buf.indexOf(SEP);
      if (end < 0) {
        if (this.buf.length > this.maxBytes) return this.fail(out, 'headers larger than the size limit');
        break;
      }
      const head = this.buf.subarray(0, end).toString('latin1');
      const lines = (head.match(/\r\n(?:content-length|l)[ \t]*:/gi) ?? []).length;
      if (lines > 1) return this.fail(out, 'more than one Content-Length');
      const m = /\r\n(?:content-length|l)[ \t]*:[ \t]*([0-9]+)[ \t]*(?=\r\n|$)/i.exec(head);
      if (!m)
        return this.fail(
          out,
          lines === 0 ? 'no Content-Length on a stream transport' : 'Content-Length is not a number',
        );
      const length = Number(m[1]);
      const total = end + 4 + length;
      if (total > this.maxBytes) return this.fail(out, 'message larger than the size limit');
      if (this.buf.length < total) break;
      out.push({ kind: 'message', bytes: Buffer.from(this.buf.subarray(0, total)) });
      this.buf = this.buf.subarray(total);
    }
    return out;
  }

  private fail(out: Frame[], detail: string): Frame[] {
    out.push({ kind: 'error', detail, bytes: this.buf.subarray(0, Math.min(this.buf.length, 8192)) });
    this.broken = true;
    this.buf = Buffer.alloc(0);
    return out;
  }
}
