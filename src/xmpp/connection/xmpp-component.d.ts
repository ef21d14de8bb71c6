// Minimal typings for @xmpp/component 0.13 (it ships none): only what ./component.ts uses.
declare module '@xmpp/component' {
  import type { EventEmitter } from 'node:events';
  import type { Element } from 'ltx';

  export interface Component extends EventEmitter {
    status: string;
    socket: { destroy(): void; end(): void; setNoDelay?(noDelay: boolean): void } | null;
    options: { service: string; domain: string };
    timeout: number;
    reconnect: { stop(): void };
    connect(service: string): Promise<void>;
    open(o: { domain: string; timeout?: number }): Promise<void>;
    stop(): Promise<unknown>;
    send(el: Element): Promise<void>;
    write(s: string): Promise<void>;
  }

  export function component(o: { service: string; domain: string; password: string }): Component;
}
