/** Moved to src/peers (the benchmark runs it too); re-exported for the tests. */
export * from '../../src/peers/kamailio';
