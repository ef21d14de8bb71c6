/** The SIP tests' fake clock is the shared one (test/support/fake-clock.ts). */
export { FakeClock } from '../support/fake-clock';
