// Minimal typings for @xmpp/client 0.13 (it ships none), for the demo and test bots (src/peers/xmpp-bot.ts).
declare module '@xmpp/client' {
  import type { EventEmitter } from 'node:events';
  import type { Element } from 'ltx';

  export interface Client extends EventEmitter {
    status: string;
    jid: { toString(): string } | null;
    start(): Promise<unknown>;
    stop(): Promise<unknown>;
    send(el: Element): Promise<void>;
    /** Raw text on the stream (tests that must send what ltx cannot write). */
    write(s: string): Promise<void>;
    reconnect: { stop(): void };
    iqCaller: { request(el: Element, timeout?: number): Promise<Element> };
    iqCallee: {
      get(ns: string, name: string, handler: (ctx: { stanza: Element; element: Element }) => unknown): void;
      set(ns: string, name: string, handler: (ctx: { stanza: Element; element: Element }) => unknown): void;
    };
  }

  export function client(o: {
    service: string;
    domain: string;
    resource?: string;
    username?: string;
    password?: string;
  }): Client;
}
