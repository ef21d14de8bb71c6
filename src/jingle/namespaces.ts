/**
 * XML namespaces of the Jingle family, spelled as the XEPs register them.
 */

/** XEP-0166 Jingle. */
export const NS_JINGLE = 'urn:xmpp:jingle:1';
/** XEP-0166 §10 Jingle-specific error conditions. */
export const NS_JINGLE_ERRORS = 'urn:xmpp:jingle:errors:1';
/** XEP-0167 Jingle RTP Sessions. */
export const NS_RTP = 'urn:xmpp:jingle:apps:rtp:1';
/** XEP-0167 §7 informational messages. */
export const NS_RTP_INFO = 'urn:xmpp:jingle:apps:rtp:info:1';
/** XEP-0181 Jingle DTMF (session-info payload). */
export const NS_DTMF = 'urn:xmpp:jingle:dtmf:0';
/** XEP-0251 Jingle Session Transfer (session-info `<transfer/>`, reason `<transferred/>`). */
export const NS_TRANSFER = 'urn:xmpp:jingle:transfer:0';
/** XEP-0176 Jingle ICE-UDP Transport Method. */
export const NS_ICE_UDP = 'urn:xmpp:jingle:transports:ice-udp:1';
/** XEP-0177 Jingle Raw UDP Transport Method. */
export const NS_RAW_UDP = 'urn:xmpp:jingle:transports:raw-udp:1';
/** XEP-0320 Use of DTLS-SRTP in Jingle Sessions. */
export const NS_DTLS = 'urn:xmpp:jingle:apps:dtls:0';
/** The XTLS proposal's security layer (draft-meyer-xmpp-e2e-encryption). */
export const NS_XTLS = 'urn:xmpp:jingle:security:xtls:0';
/** XEP-0293 Jingle RTP Feedback Negotiation. */
export const NS_RTCP_FB = 'urn:xmpp:jingle:apps:rtp:rtcp-fb:0';
/** XEP-0294 Jingle RTP Header Extensions Negotiation. */
export const NS_RTP_HDREXT = 'urn:xmpp:jingle:apps:rtp:rtp-hdrext:0';
/** XEP-0338 Jingle Grouping Framework. */
export const NS_GROUPING = 'urn:xmpp:jingle:apps:grouping:0';
/** XEP-0339 Source-Specific Media Attributes in Jingle. */
export const NS_SSMA = 'urn:xmpp:jingle:apps:rtp:ssma:0';
/** XEP-0353 Jingle Message Initiation. */
export const NS_JMI = 'urn:xmpp:jingle-message:0';
