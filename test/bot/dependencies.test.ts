import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

// Issue 16, finding 10: restify 11 asks for versions with published advisories; package.json
// `overrides` lifts them. The registry's audit endpoint may be out of reach, so this checks the
// installed tree itself: the versions restify really loads are at or above the fixed ones.

/** Fixed versions: find-my-way GHSA-rrr8-f88r-h8q6 (ReDoS, high); send CVE-2024-43799 (XSS). */
const FLOORS: Record<string, string> = { 'find-my-way': '8.2.2', send: '0.19.0' };

function installedFor(parent: string, name: string): string {
  const fromParent = createRequire(createRequire(import.meta.url).resolve(`${parent}/package.json`));
  const manifest = join(dirname(fromParent.resolve(`${name}/package.json`)), 'package.json');
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}

function atLeast(version: string, floor: string): boolean {
  const [a, b] = [version, floor].map((text) => text.split('-')[0]!.split('.').map(Number));
  for (let index = 0; index < 3; index += 1) {
    if (a![index]! !== b![index]!) return a![index]! > b![index]!;
  }
  return true;
}

describe('dependencies: no version with a known advisory under restify (issue 16)', () => {
  for (const [name, floor] of Object.entries(FLOORS)) {
    it(`${name} >= ${floor}`, () => {
      const version = installedFor('restify', name);
      assert.ok(atLeast(version, floor), `restify loads ${name} ${version}; run npm install (package.json overrides)`);
    });
  }

  it('the overrides are declared where npm reads them', () => {
    const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { overrides?: { restify?: Record<string, string> } };
    assert.deepEqual(Object.keys(manifest.overrides?.restify ?? {}).sort(), Object.keys(FLOORS).sort());
  });
});
