/** Moved to src/peers (the demo runs the same peers); re-exported for the tests. */
export * from '../../src/peers/baresip';
