/**
 * Call transfer as the gateway carries it out (docs/midcall.md §Transfer): a SIP peer's REFER
 * (RFC 3515, RFC 3891 Replaces) decided against the callee policy, and a client's XEP-0251
 * transfer turned into a REFER. Above translate/ and policy/: a decision, not a translation.
 */
export * from './refer';
export * from './transfer';
