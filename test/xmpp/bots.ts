/** Moved to src/peers/xmpp-bot.ts (the demo's headless check uses the same bots); re-exported for the tests. */
export * from '../../src/peers/xmpp-bot';
