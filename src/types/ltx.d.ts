// Minimal typings for ltx 3 (it ships none). Only what the gateway uses.
declare module 'ltx' {
  export class Element {
    constructor(name: string, attrs?: Record<string, string | number | undefined>);
    name: string;
    attrs: Record<string, string>;
    children: Array<Element | string>;
    parent: Element | null;
    getName(): string;
    getNS(): string | undefined;
    is(name: string, xmlns?: string): boolean;
    getChild(name: string, xmlns?: string): Element | undefined;
    getChildren(name: string, xmlns?: string): Element[];
    getChildElements(): Element[];
    getText(): string;
    getChildText(name: string, xmlns?: string): string | null;
    c(name: string, attrs?: Record<string, string | number | undefined>): Element;
    t(text: string): Element;
    cnode(child: Element): Element;
    up(): Element;
    root(): Element;
    toString(): string;
  }
  export function parse(data: string, options?: unknown): Element;
  export function escapeXML(s: string): string;
  export function unescapeXML(s: string): string;
  export function escapeXMLText(s: string): string;
  export function unescapeXMLText(s: string): string;
  export function createElement(
    name: string,
    attrs?: Record<string, string | number | undefined>,
    ...children: Array<Element | string>
  ): Element;
  export class Parser {
    constructor(options?: unknown);
    write(data: string): void;
    end(data?: string): void;
    on(event: string, cb: (...args: unknown[]) => void): this;
  }
}
