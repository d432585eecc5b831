import type { Activity } from 'botbuilder';
import type { Claim, PoeInput } from '../services/model.js';
import { PoeFileError, type PoeFiles } from './poeFiles.js';

// Taking the files of one message: each is refused, or downloaded and stored, then kept by the
// claim (attached at once, or held for the command that ends the dialog: a dispute carries its
// new PoE with it). One outcome per file says what happened; the dialog says it to the reader.

export type FileOutcome =
  | { kind: 'received'; file: PoeInput }
  | { kind: 'refused'; error: PoeFileError }
  | { kind: 'too-many'; name: string }
  /** Stored, but the claim did not take it (its bytes are gone again); `say` is the service's reason. */
  | { kind: 'not-kept'; name: string; say?: string };

/** The claim the files go to, as the conversation holding it sees it. */
export interface IntakeClaim {
  /** The claim now: read again before each file, since an attached file changes it. */
  current(): Promise<Claim>;
  /** How many files are held for it, not yet attached. */
  held(): number;
  /** Attaches or holds a stored file. */
  keep(file: PoeInput, claimId: string): Promise<{ ok: true } | { ok: false; say?: string }>;
  /** The bot's token for pasted images (only asked for when there is one). */
  imageAuthorization(): Promise<string | undefined>;
  log?: (message: string, error?: unknown) => void;
}

export async function takeFiles(poe: PoeFiles, activity: Partial<Activity>, claim: IntakeClaim): Promise<FileOutcome[]> {
  const { files, refused } = poe.filesIn(activity);
  const outcomes: FileOutcome[] = refused.map((error) => ({ kind: 'refused', error }));
  if (!files.length) return outcomes;

  const claimId = (await claim.current()).id;
  const authorization = files.some((file) => file.kind === 'inline-image') ? await claim.imageAuthorization() : undefined;
  for (const file of files) {
    if ((await claim.current()).poe.length + claim.held() >= poe.rules.maxFiles) {
      outcomes.push({ kind: 'too-many', name: file.name });
      continue;
    }
    let stored: PoeInput;
    try {
      stored = await poe.store(file, claimId, authorization);
    } catch (error) {
      if (!(error instanceof PoeFileError)) throw error;
      claim.log?.(`PoE ${file.name} for ${claimId} refused`, error);
      outcomes.push({ kind: 'refused', error });
      continue;
    }
    const kept = await claim.keep(stored, claimId);
    if (!kept.ok) {
      await poe.remove(stored.storagePath);
      outcomes.push({ kind: 'not-kept', name: file.name, ...(kept.say === undefined ? {} : { say: kept.say }) });
      continue;
    }
    outcomes.push({ kind: 'received', file: stored });
  }
  return outcomes;
}
