import assert from 'node:assert/strict';
import { SharedAddresses } from '../../bot/proactive/sharedAddresses.js';
import type { AlertAddress } from '../../bot/proactive/recipients.js';

// The recipients held for waiting alerts: one copy per set of people, while any alert waits.

const partnerAdmins = (): AlertAddress => ({ to: 'partner', data: { partnerTenantId: 'tenant-a', createdBy: 'user-1' } });

describe('SharedAddresses (recipients of waiting alerts)', () => {
  it('gives alerts waiting for the same people one address and key, read from separate copies', () => {
    const addresses = new SharedAddresses();
    const first = addresses.keep(partnerAdmins());
    const second = addresses.keep(partnerAdmins());
    assert.equal(second, first);
    assert.deepEqual(first.address, partnerAdmins());
    assert.equal(first.key, JSON.stringify(partnerAdmins()));
    assert.notEqual(addresses.keep({ to: 'customer', data: { customerTenantId: 'tenant-c' } }), first);
    assert.equal(addresses.size, 2);
  });

  it('forgets an address once the last alert waiting for it is released, and only then', () => {
    const addresses = new SharedAddresses();
    const first = addresses.keep(partnerAdmins());
    addresses.keep(partnerAdmins());
    addresses.release(first);
    assert.equal(addresses.keep(partnerAdmins()), first, 'still one alert waiting');
    addresses.release(first);
    addresses.release(first);
    assert.equal(addresses.size, 0);
    const later = addresses.keep(partnerAdmins());
    assert.notEqual(later, first);
    addresses.release(first);
    assert.equal(addresses.size, 1, 'a release of a forgotten copy leaves the new one alone');
  });
});
