import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Activity } from 'botbuilder';
import { PoeFiles } from '../../poe/poeFiles.js';
import { takeFiles, type IntakeClaim } from '../../poe/poeIntake.js';
import type { Claim, PoeInput } from '../../services/model.js';
import { createPolicy } from '../../services/policy.js';
import { fileMessage } from '../dialogs/support/dialogHarness.js';
import { fileHostPerTest } from './support/fileHostPerTest.js';
import { FileBlobStore } from '../../storage/files/fileBlobStore.js';

// One message's files, without a conversation: each gets one outcome, in the order sent; a file
// the claim does not keep leaves no bytes behind; the file limit counts held files too.

const CLAIM_ID = 'CPOR-2026-000001';
const PDF = Buffer.from('%PDF-1.7\nbody');

describe('PoE intake', () => {
  const fixture = fileHostPerTest();
  let poe: PoeFiles;

  beforeEach(() => {
    poe = new PoeFiles({
      blobs: new FileBlobStore(fixture.dataDir),
      rules: { ...createPolicy().poe, maxFiles: 2 },
      allowedHosts: ['127.0.0.1'],
      allowHttp: true,
    });
  });

  /** A claim with `onClaim` files and `held` held ones, keeping files as `keep` says. */
  function claimWith(onClaim: number, keep: IntakeClaim['keep']): IntakeClaim {
    const held: PoeInput[] = [];
    return {
      current: async () => ({ id: CLAIM_ID, poe: Array.from({ length: onClaim }, (_, index) => ({ id: `f${index}` })) }) as unknown as Claim,
      held: () => held.length,
      keep: async (file, claimId) => {
        const kept = await keep(file, claimId);
        if (kept.ok) held.push(file);
        return kept;
      },
      imageAuthorization: async () => undefined,
    };
  }

  const message = (...names: string[]): Partial<Activity> => ({
    attachments: names.flatMap((name) => fileMessage(name, fixture.host.put(name, PDF)).attachments ?? []),
  });

  it('says per file, in order, what happened; refused types make no request', async () => {
    const kept: string[] = [];
    const claim = claimWith(0, async (file, claimId) => {
      kept.push(`${claimId}:${file.name}`);
      return { ok: true };
    });
    const outcomes = await takeFiles(poe, message('tool.exe', 'signed.pdf', 'second.pdf', 'third.pdf'), claim);
    assert.deepEqual(
      outcomes.map((outcome) => outcome.kind),
      ['refused', 'received', 'received', 'too-many'],
    );
    assert.deepEqual(kept, [`${CLAIM_ID}:signed.pdf`, `${CLAIM_ID}:second.pdf`]);
    assert.deepEqual(fixture.host.requests, ['/files/signed.pdf', '/files/second.pdf'], 'no request for the refused type nor past the limit');
  });

  it('removes the bytes of a file the claim did not take, with the reason it gave', async () => {
    const claim = claimWith(0, async () => ({ ok: false, say: 'The claim changed.' }));
    const [outcome] = await takeFiles(poe, message('signed.pdf'), claim);
    assert.deepEqual(outcome, { kind: 'not-kept', name: 'signed.pdf', say: 'The claim changed.' });
    const folder = join(fixture.dataDir, 'poe', CLAIM_ID);
    assert.deepEqual(await readdir(folder), []);
  });

  it('counts the files already on the claim', async () => {
    const outcomes = await takeFiles(
      poe,
      message('signed.pdf'),
      claimWith(2, async () => ({ ok: true })),
    );
    assert.deepEqual(outcomes, [{ kind: 'too-many', name: 'signed.pdf' }]);
    assert.deepEqual(fixture.host.requests, []);
  });
});
