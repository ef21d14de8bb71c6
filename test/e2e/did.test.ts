/**
 * Issue 10: "an inbound call to the number a trunk registered for arrives as `sip:gw@…`, goes to
 * `gw@localhost` and fails with 480". The gateway registers the trunk's number at Kamailio (digest),
 * a caller dials the DID at Kamailio, Kamailio delivers it to the registered contact with the DID in
 * To, and `routing.inbound` rings alice, who answers; the ACK and BYE go through Kamailio's
 * Record-Route. A number nobody registered gets Kamailio's 404; with `unmatched: reject` a call to
 * the gateway for no route gets the gateway's 404.
 */
import { freePort } from '../support/processes';
import { kamailioReady, startKamailioRegistrar, type Kamailio } from '../support/kamailio';
import { describeE2e, iqOk, jingleAction, proposed, reasonOf, sipp, type Sipp } from './harness';
import { dtlsAccept, fingerprint, jmi } from './stanzas';

const DID = '+15557770000';
const PASSWORD = 'trunkpass';
let kamailio: Kamailio | undefined;

describeE2e(
  'e2e: a DID registered at Kamailio rings the XMPP user routing.inbound names',
  {
    peers: ['kamailio'],
    late: async () => {
      const port = await freePort();
      kamailio = startKamailioRegistrar(port, PASSWORD);
      return {
        sipYaml: [
          'trunks:',
          `  - name: carrier`,
          `    host: '127.0.0.1:${port}'`,
          `    username: '${DID}'`,
          `    password: ${PASSWORD}`,
          `    register: { registrar: 'sip:127.0.0.1:${port}', aor: 'sip:${DID}@127.0.0.1' }`,
        ],
        routingYaml: `{ inbound: [{ match: '^\\+15557770000$', jid: 'alice@localhost' }], unmatched: reject }`,
      };
    },
    beforeDevices: async (w) => {
      const k = kamailio as Kamailio;
      await kamailioReady(k, (uri) => w.gateway.sip.options(uri));
      const until = Date.now() + 8000;
      while (w.gateway.sip.registrations()[0]?.status !== 'registered') {
        if (Date.now() > until)
          throw new Error(
            `no registration: ${JSON.stringify(w.gateway.sip.registrations())}\n${k.proc.output()}`,
          );
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  },
  (bed) => {
    afterAll(async () => {
      await kamailio?.proc.stop();
    });

    const dial = async (number: string, scenario = 'e2e-uac-did.xml'): Promise<Sipp> =>
      sipp({
        scenario,
        remote: `127.0.0.1:${(kamailio as Kamailio).port}`,
        port: await freePort(),
        extra: ['-s', number],
      });

    test('the DID reaches alice through the registration; she answers; the call ends cleanly', async () => {
      const phone = bed.device();
      const run = await dial(DID);
      const { id, caller } = await proposed(phone);
      // The caller is the SIPp user (at 127.0.0.1, the gateway's own host: a plain user there).
      expect(caller).toBe('bob@gw.localhost/sip');
      await phone.send(jmi('proceed', { to: caller, id }));
      const initiate = await phone.waitFor(jingleAction(id, 'session-initiate'), 8000, 'session-initiate');
      await iqOk(phone, dtlsAccept({ initiate, to: caller, from: phone.jid, fp: fingerprint('A1') }));
      const term = await phone.waitFor(jingleAction(id, 'session-terminate'), 8000, 'session-terminate');
      expect(reasonOf(term).condition).toBe('success');
      const r = await bed.passed(run);
      expect(r.trace.some((e) => e.direction === 'received' && e.firstLine.startsWith('SIP/2.0 200'))).toBe(
        true,
      );
      // Kamailio delivered it to the registered contact (sip:gw@…): only the To held the DID, and
      // without the route it would have rung gw@localhost (or been refused: unmatched: reject).
      expect(bed.world.gateway.sip.registrations()[0]?.status).toBe('registered');
    });

    test('with unmatched: reject, a call no route names gets 404 from the gateway (not 480), nobody rings', async () => {
      const phone = bed.device();
      const before = phone.all(() => true).length;
      const run = await sipp({
        scenario: 'e2e-uac-refused-404.xml',
        remote: `127.0.0.1:${bed.world.sipPort}`,
        port: await freePort(),
        extra: ['-s', 'alice'],
      });
      const r = await bed.passed(run);
      expect(
        r.trace.find((e) => e.direction === 'received' && /^SIP\/2.0 4/.test(e.firstLine))?.firstLine,
      ).toMatch(/^SIP\/2.0 404/);
      expect(
        phone
          .all(() => true)
          .slice(before)
          .filter((s) => s.getChild('propose') !== undefined),
      ).toHaveLength(0);
    });
  },
);
