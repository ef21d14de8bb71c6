/**
 * XML namespaces of the XMPP extensions the component speaks (the Jingle family lives in
 * ../jingle/namespaces). Spelled as the XEPs register them.
 */

/** RFC 6120 §8.3 stanza error conditions. */
export const NS_STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas';
/** XEP-0030 Service Discovery. */
export const NS_DISCO_INFO = 'http://jabber.org/protocol/disco#info';
export const NS_DISCO_ITEMS = 'http://jabber.org/protocol/disco#items';
/** XEP-0115 Entity Capabilities. */
export const NS_CAPS = 'http://jabber.org/protocol/caps';
/** XEP-0100 Gateway Interaction (jabber:iq:gateway, from XEP-0100 §6.3). */
export const NS_GATEWAY = 'jabber:iq:gateway';
/** XEP-0106 JID Escaping: the feature a service advertises when it applies the escaping. */
export const FEATURE_JID_ESCAPING = 'jid\\20escaping';
/** XEP-0199 XMPP Ping. */
export const NS_PING = 'urn:xmpp:ping';
/** XEP-0334 Message Processing Hints. */
export const NS_HINTS = 'urn:xmpp:hints';
/** XEP-0280 Message Carbons (for `<private/>`). */
export const NS_CARBONS = 'urn:xmpp:carbons:2';
/** XEP-0092 Software Version. */
export const NS_VERSION = 'jabber:iq:version';
/** XEP-0172 User Nickname: the display name of a caller. */
export const NS_NICK = 'http://jabber.org/protocol/nick';
