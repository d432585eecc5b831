import assert from 'node:assert/strict';
import { ConfigurationBotFrameworkAuthentication, type Activity } from 'botbuilder';
import { ClaimsIdentity, ConnectorFactory, type ConnectorClient } from 'botframework-connector';
import { SharedConnectorClients } from '../../bot/sharedConnectorClients.js';

// The connector clients botbuilder asks for on every turn and proactive send: made once per app
// id, service URL and audience, and made again when making one failed.

const activityFrom = (serviceUrl: string): Activity => ({ type: 'message', channelId: 'msteams', serviceUrl }) as Activity;

/** Without an app id and password, as the bot runs locally: every request is let in. */
function local(): SharedConnectorClients {
  return new SharedConnectorClients(new ConfigurationBotFrameworkAuthentication({}));
}

async function clientFor(auth: SharedConnectorClients, serviceUrl: string): Promise<ConnectorClient> {
  const result = await auth.authenticateRequest(activityFrom(serviceUrl), '');
  return result.connectorFactory!.create(serviceUrl, result.audience);
}

describe('SharedConnectorClients', () => {
  it('hands every turn to the same service URL one connector client, and another URL its own', async () => {
    const auth = local();
    const first = await clientFor(auth, 'https://smba.example.test/emea/');
    assert.equal(await clientFor(auth, 'https://smba.example.test/emea/'), first);
    const other = await clientFor(auth, 'https://smba.example.test/amer/');
    assert.notEqual(other, first);
    assert.match(String((other as unknown as { baseUri?: string }).baseUri), /amer/);
  });

  it('gives a proactive send a client of its own, and shares the user token client', async () => {
    const auth = local();
    const inbound = await clientFor(auth, 'https://smba.example.test/emea/');
    const factory = auth.createConnectorFactory(new ClaimsIdentity([], true));
    const proactive = await factory.create('https://smba.example.test/emea/');
    assert.notEqual(proactive, inbound, 'the outbox changes the pipeline of its client');
    assert.notEqual(await factory.create('https://smba.example.test/emea/'), proactive);
    const identity = new ClaimsIdentity([], true);
    assert.equal(await auth.createUserTokenClient(identity), await auth.createUserTokenClient(identity));
  });

  it('keeps a bounded number of clients, the least recently used leaving first', async () => {
    const auth = local();
    const kept = await clientFor(auth, 'https://kept.example.test/');
    const dropped = await clientFor(auth, 'https://dropped.example.test/');
    for (let index = 0; index < 63; index += 1) {
      await clientFor(auth, `https://smba-${index}.example.test/`);
      // Used again after each new one: never the least recent.
      await clientFor(auth, 'https://kept.example.test/');
    }
    assert.equal(await clientFor(auth, 'https://kept.example.test/'), kept);
    assert.notEqual(await clientFor(auth, 'https://dropped.example.test/'), dropped);
  });

  it('makes a client again after making one failed', async () => {
    const inner = new ConfigurationBotFrameworkAuthentication({});
    let failures = 1;
    const flaky = Object.assign(Object.create(inner) as ConfigurationBotFrameworkAuthentication, {
      authenticateRequest: async (activity: Activity, authHeader: string) => {
        const result = await inner.authenticateRequest(activity, authHeader);
        const real = result.connectorFactory!;
        const connectorFactory = new (class extends ConnectorFactory {
          create(serviceUrl: string, audience?: string): Promise<ConnectorClient> {
            if (failures > 0) {
              failures -= 1;
              return Promise.reject(new Error('credentials unavailable'));
            }
            return real.create(serviceUrl, audience);
          }
        })();
        return { ...result, connectorFactory };
      },
    });
    const auth = new SharedConnectorClients(flaky);
    await assert.rejects(clientFor(auth, 'https://smba.example.test/'), /credentials unavailable/);
    const made = await clientFor(auth, 'https://smba.example.test/');
    assert.equal(await clientFor(auth, 'https://smba.example.test/'), made);
  });
});
