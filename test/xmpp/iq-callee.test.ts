import { parse } from 'ltx';
import { iqQuery, iqReply } from '../../src/xmpp/connection/iq-callee';
import { refusal, STANZA_LIMITS } from '../../src/xmpp/connection/size-guard';
import { parseErrorElement, xml, type XmlElement } from '../../src/xmpp/stanza';

// RFC 6120 §8.2.3 and §8.3.1; the addresses are the gateway's as Prosody delivers to it.
const GW = 'sip.localhost';
const ALICE = 'alice@localhost/phone';

function iq(type: string | undefined, ...children: string[]): XmlElement {
  const t = type === undefined ? '' : ` type='${type}'`;
  return parse(`<iq from='${ALICE}' to='+4930123@${GW}' id='q1'${t}>${children.join('')}</iq>`) as XmlElement;
}

const DISCO = "<query xmlns='http://jabber.org/protocol/disco#info'/>";
const VERSION = "<query xmlns='jabber:iq:version'/>";

function expectReplyTo(reply: XmlElement, type: string): void {
  expect(reply.name).toBe('iq');
  expect(reply.attrs).toEqual({ to: ALICE, from: `+4930123@${GW}`, id: 'q1', type });
}

describe('iqQuery', () => {
  it('a get or set with exactly one child: that child is the payload', () => {
    for (const type of ['get', 'set']) {
      const q = iqQuery(iq(type, DISCO));
      expect('payload' in q && q.payload.attrs.xmlns).toBe('http://jabber.org/protocol/disco#info');
    }
  });

  it.each([
    ['two children', 'get', [DISCO, VERSION], 'http://jabber.org/protocol/disco#info'],
    ['no child', 'set', [], undefined],
    ['no type', undefined, [DISCO], 'http://jabber.org/protocol/disco#info'],
    ['an unknown type', 'query', [DISCO], 'http://jabber.org/protocol/disco#info'],
  ])('%s: bad-request, the first child echoed', (_name, type, children, echoed) => {
    const q = iqQuery(iq(type, ...children));
    if (!('reply' in q)) throw new Error('expected a reply');
    expectReplyTo(q.reply, 'error');
    expect(parseErrorElement(q.reply.getChild('error'))).toMatchObject({
      condition: 'bad-request',
      type: 'modify',
    });
    expect(
      q.reply
        .getChildElements()
        .filter((c) => c.name !== 'error')
        .map((c) => c.attrs.xmlns),
    ).toEqual(echoed === undefined ? [] : [echoed]);
  });
});

describe('iqReply', () => {
  it('true: an empty result', () => {
    const r = iqReply(iq('set', DISCO), true);
    expectReplyTo(r, 'result');
    expect(r.children).toEqual([]);
  });

  it('an element: a result carrying it', () => {
    const r = iqReply(
      iq('get', DISCO),
      xml(
        'query',
        { xmlns: 'http://jabber.org/protocol/disco#info' },
        xml('feature', { var: 'urn:xmpp:jingle:1' }),
      ),
    );
    expectReplyTo(r, 'result');
    expect(r.toString()).toContain('<feature var="urn:xmpp:jingle:1"/>');
  });

  it('an error: an error reply with the query child and the condition, text and Jingle condition', () => {
    const r = iqReply(iq('set', DISCO), {
      error: { condition: 'unexpected-request', jingleCondition: 'out-of-order', text: 'not now' },
    });
    expectReplyTo(r, 'error');
    expect(r.getChildElements().map((c) => c.name)).toEqual(['query', 'error']);
    expect(parseErrorElement(r.getChild('error'))).toEqual({
      condition: 'unexpected-request',
      type: 'wait',
      jingleCondition: 'out-of-order',
      text: 'not now',
    });
  });

  it('a query without from or to: the reply leaves those out (the component stamps its from)', () => {
    const r = iqReply(parse("<iq type='get' id='p'><ping xmlns='urn:xmpp:ping'/></iq>") as XmlElement, true);
    expect(r.attrs).toEqual({ id: 'p', type: 'result' });
  });
});

describe('refusal (a stanza too large to handle)', () => {
  it('an IQ set past the element bound: bad-request without the payload echoed back', () => {
    const jingle = xml('jingle', { xmlns: 'urn:xmpp:jingle:1', action: 'session-initiate', sid: 's' });
    for (let i = 0; i < STANZA_LIMITS.elements; i++) jingle.cnode(xml('content', { name: `c${i}` }));
    const big = iq('set');
    big.cnode(jingle);
    const r = refusal(big)?.reply;
    if (r === undefined) throw new Error('expected a reply');
    expectReplyTo(r, 'error');
    expect(r.getChildElements().map((c) => c.name)).toEqual(['error']);
    expect(parseErrorElement(r.getChild('error'))).toMatchObject({
      condition: 'bad-request',
      text: expect.stringMatching(/stanza too large/) as unknown as string,
    });
  });

  it('within the bounds: no refusal; a large message: dropped without a reply', () => {
    expect(refusal(iq('get', DISCO))).toBeUndefined();
    const msg = xml('message', { from: ALICE, to: `+4930123@${GW}` });
    for (let i = 0; i < STANZA_LIMITS.elements; i++) msg.cnode(xml('x'));
    expect(refusal(msg)).toEqual({});
  });
});
