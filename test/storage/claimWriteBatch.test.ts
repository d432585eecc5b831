import assert from 'node:assert/strict';
import type pg from 'pg';
import { ClaimWriteBatch, COLUMNS, type ClaimWrite } from '../../storage/postgres/claimWriteBatch.js';

describe('ClaimWriteBatch', () => {
  const write = (id: string, revision = '1'): ClaimWrite => ({
    id,
    revision,
    values: COLUMNS.map(([column]) => (column === 'record_keys' ? ['key'] : `${column}-${id}`)),
    changed: [{ position: 0, alert: { id: `alert-${id}` } }],
    outboxLength: 1,
  });

  /** A stand-in for the database: records each statement's rows, writes those whose revision is '1'. */
  const database = (sent: Array<Array<Record<string, unknown>>>, fail?: (ids: string[]) => boolean) => async (config: pg.QueryConfig) => {
    const rows = JSON.parse(config.values![0] as string) as Array<Record<string, unknown>>;
    sent.push(rows);
    if (fail?.(rows.map((row) => row.id as string))) throw new Error('database away');
    return { rows: rows.filter((row) => row.revision === '1').map((row) => ({ id: row.id as string })) } as pg.QueryResult<{ id: string }>;
  };

  it('writes the claims changed in one turn of the event loop with one statement, telling each whether its row was written', async () => {
    const sent: Array<Array<Record<string, unknown>>> = [];
    const batch = new ClaimWriteBatch(database(sent));
    const written = await Promise.all([batch.write(write('a')), batch.write(write('b', '7')), batch.write(write('c'))]);
    assert.deepEqual(written, [true, false, true]);
    assert.equal(sent.length, 1);
    assert.deepEqual(
      sent[0]!.map((row) => row.id),
      ['a', 'b', 'c'],
    );
    const first = sent[0]![0]!;
    assert.equal(first.status, 'status-a');
    assert.deepEqual(first.record_keys, ['key']);
    assert.deepEqual(first.changed, [{ position: 0, alert: { id: 'alert-a' } }]);
    assert.equal(first.outbox_length, 1);
  });

  it('sends a second write of the same claim with the next statement, and at most maxWrites a statement', async () => {
    const sent: Array<Array<Record<string, unknown>>> = [];
    const batch = new ClaimWriteBatch(database(sent), 2);
    await Promise.all([batch.write(write('a')), batch.write(write('a')), batch.write(write('b')), batch.write(write('c'))]);
    assert.deepEqual(
      sent.map((rows) => rows.map((row) => row.id)),
      [
        ['a', 'b'],
        ['a', 'c'],
      ],
    );
  });

  it('fails the writes of a failed statement only', async () => {
    const sent: Array<Array<Record<string, unknown>>> = [];
    const batch = new ClaimWriteBatch(
      database(sent, (ids) => ids.includes('broken')),
      1,
    );
    const [broken, fine] = await Promise.allSettled([batch.write(write('broken')), batch.write(write('a'))]);
    assert.equal((broken as PromiseRejectedResult).reason.message, 'database away');
    assert.equal((fine as PromiseFulfilledResult<boolean>).value, true);
  });
});
