/** XEP-0353 Jingle Message Initiation: the machine (on src/fsm), the table of proposals, the elements. */
export * from './machine';
export * from './table';
export * from './tie-break';
export * from './xml';
