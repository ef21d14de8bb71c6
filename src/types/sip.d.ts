/**
 * Typings for the parts of npm `sip` 0.0.6 (kirm/sip.js) that src/sip/ uses: its transaction
 * layer (RFC 3261 §17 state machines and retransmission timers). Only src/sip/ may import it.
 * Messages are in the package's own object form; src/sip/transaction/bridge.ts converts them.
 */
declare module 'sip' {
  export interface NpmVia {
    version?: string;
    protocol?: string;
    host?: string;
    port?: number;
    params: Record<string, string | null | undefined>;
  }

  export interface NpmCSeq {
    seq: number;
    method: string;
  }

  export interface NpmHeaders {
    via: NpmVia[];
    'call-id': string;
    cseq: NpmCSeq;
    from?: unknown;
    to?: unknown;
    [name: string]: unknown;
  }

  export interface NpmMessage {
    method?: string;
    uri?: unknown;
    status?: number;
    reason?: string;
    version?: string;
    headers: NpmHeaders;
    content?: string;
  }

  /** What the transaction layer sends through: one hop towards a peer. */
  export interface NpmConnection {
    send(m: NpmMessage): void;
    release(): void;
    protocol: string;
  }

  export interface NpmServerTransaction {
    send(m: NpmMessage): void;
    message(m: NpmMessage, remote?: unknown): void;
    shutdown(): void;
  }

  export interface NpmClientTransaction {
    message(m: NpmMessage, remote?: unknown): void;
    shutdown(): void;
  }

  export interface NpmTransactionLayer {
    createServerTransaction(rq: NpmMessage, cn: NpmConnection): NpmServerTransaction;
    createClientTransaction(
      cn: NpmConnection,
      rq: NpmMessage,
      callback: (rs: NpmMessage) => void,
    ): NpmClientTransaction;
    getServer(m: NpmMessage): NpmServerTransaction | undefined;
    getClient(m: NpmMessage): NpmClientTransaction | undefined;
    destroy(): void;
  }

  export function makeTransactionLayer(
    options: Record<string, unknown>,
    open: (target: unknown, onError?: (e: Error) => void) => NpmConnection,
  ): NpmTransactionLayer;

  export function makeResponse(rq: NpmMessage, status: number, reason?: string): NpmMessage;
}
