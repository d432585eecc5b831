import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PackageError, buildAppPackage, createZip, substitutePlaceholders, validatePackageFiles } from '../../scripts/package.js';
import { readZip } from './zip.js';
import { parse as parseEnv } from 'dotenv';

// `npm run package`, run in-process against a temporary environment file and output folder.

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

const EXPECTED_ENTRIES = ['manifest.json', 'color.png', 'outline.png', 'es.json', 'pt-BR.json', 'it.json', 'sv.json'];

const ENV_FILE = [
  '# test environment',
  'TEAMSFX_ENV=test',
  'TEAMS_APP_ID=11111111-2222-4333-8444-555555555555',
  'BOT_ID="66666666-7777-4888-9999-000000000000"',
  "AAD_APP_CLIENT_ID='aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee'",
  'BOT_DOMAIN=cpor-bot.example.com',
  '',
].join('\n');

function captureError(run: () => unknown): PackageError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof PackageError, String(error));
    return error;
  }
  assert.fail('expected a PackageError');
}

describe('npm run package', () => {
  let work: string;
  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), 'cpor-package-'));
  });
  afterEach(() => rmSync(work, { recursive: true, force: true }));

  describe('substitutePlaceholders', () => {
    it('replaces known names, JSON-escaped, and reports empty or unknown ones', () => {
      const result = substitutePlaceholders('{"a":"${{A}}","b":"${{ B }}","c":"${{C}}","a2":"${{A}}"}', { A: 'x"y', B: '' });
      assert.equal(result.text, '{"a":"x\\"y","b":"${{ B }}","c":"${{C}}","a2":"x\\"y"}');
      assert.deepEqual(result.missing, ['B', 'C']);
    });
  });

  it('writes a zip holding exactly the manifest, the two icons and the four localization files', () => {
    const envFile = join(work, '.env.test');
    writeFileSync(envFile, ENV_FILE);
    const outputPath = join(work, 'out', 'appPackage.test.zip');
    const result = buildAppPackage({ envName: 'test', envFile, outputPath, processEnv: {} });
    assert.equal(result.zipPath, outputPath);
    const entries = readZip(readFileSync(outputPath));
    assert.deepEqual([...entries.keys()], EXPECTED_ENTRIES);
    assert.deepEqual(result.entries, EXPECTED_ENTRIES);

    for (const [name, data] of entries) {
      if (name.endsWith('.json')) assert.ok(!data.toString('utf8').includes('${{'), `${name} still has a placeholder`);
      else assert.deepEqual(data, readFileSync(join(ROOT, 'appPackage', name)), `${name} changed on the way`);
    }
    const manifest = JSON.parse(entries.get('manifest.json')!.toString('utf8')) as {
      id: string;
      bots: { botId: string }[];
      validDomains: string[];
      webApplicationInfo: { id: string; resource: string };
    };
    assert.equal(manifest.id, '11111111-2222-4333-8444-555555555555');
    assert.equal(manifest.bots[0]!.botId, '66666666-7777-4888-9999-000000000000');
    assert.deepEqual(manifest.validDomains, ['cpor-bot.example.com']);
    assert.equal(manifest.webApplicationInfo.id, 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee');
    assert.ok(!manifest.webApplicationInfo.resource.includes('${{'));
  });

  it('is reproducible: the same inputs give the same bytes', () => {
    const envFile = join(work, '.env.test');
    writeFileSync(envFile, ENV_FILE);
    buildAppPackage({ envName: 'test', envFile, outputPath: join(work, 'a.zip'), processEnv: {} });
    buildAppPackage({ envName: 'test', envFile, outputPath: join(work, 'b.zip'), processEnv: {} });
    assert.deepEqual(readFileSync(join(work, 'a.zip')), readFileSync(join(work, 'b.zip')));
  });

  it('reads env/.env.<TEAMSFX_ENV> and writes appPackage/build/appPackage.<env>.zip by default', () => {
    cpSync(join(ROOT, 'appPackage'), join(work, 'appPackage'), { recursive: true, filter: (path) => !path.includes('build') });
    cpSync(join(ROOT, 'env'), join(work, 'env'), { recursive: true });
    writeFileSync(join(work, 'env', '.env.staging'), ENV_FILE);
    const result = buildAppPackage({ rootDir: work, processEnv: { TEAMSFX_ENV: 'staging' } });
    assert.equal(result.envName, 'staging');
    assert.equal(result.zipPath, join(work, 'appPackage', 'build', 'appPackage.staging.zip'));
    assert.ok(existsSync(result.zipPath));
  });

  it('lets the process environment override the file, as the toolkit does', () => {
    const envFile = join(work, '.env.test');
    writeFileSync(envFile, ENV_FILE.replace('BOT_DOMAIN=cpor-bot.example.com', 'BOT_DOMAIN='));
    const outputPath = join(work, 'override.zip');
    buildAppPackage({ envName: 'test', envFile, outputPath, processEnv: { BOT_DOMAIN: 'other.example.org' } });
    const manifest = JSON.parse(readZip(readFileSync(outputPath)).get('manifest.json')!.toString('utf8')) as { validDomains: string[] };
    assert.deepEqual(manifest.validDomains, ['other.example.org']);
  });

  it('fails naming every variable without a value, and writes nothing', () => {
    const envFile = join(work, '.env.test');
    writeFileSync(envFile, 'TEAMSFX_ENV=test\nTEAMS_APP_ID=11111111-2222-4333-8444-555555555555\nBOT_ID=\n');
    const outputPath = join(work, 'missing.zip');
    const error = captureError(() => buildAppPackage({ envName: 'test', envFile, outputPath, processEnv: {} }));
    const message = error.problems.join('\n');
    for (const name of ['BOT_ID', 'BOT_DOMAIN', 'AAD_APP_CLIENT_ID']) assert.match(message, new RegExp(`${name} has no value`));
    assert.doesNotMatch(message, /TEAMS_APP_ID/);
    assert.ok(!existsSync(outputPath));
  });

  it('fails on a missing environment file', () => {
    const error = captureError(() => buildAppPackage({ envName: 'nowhere', rootDir: work, processEnv: {} }));
    assert.match(error.message, /no environment file .*\.env\.nowhere/);
  });

  it('refuses a package that breaks the schema or Teams limits, naming each problem', () => {
    cpSync(join(ROOT, 'appPackage'), join(work, 'appPackage'), { recursive: true, filter: (path) => !path.includes('build') });
    const manifestPath = join(work, 'appPackage', 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
      accentColor: string;
      bots: { commandLists: { commands: { title: string }[] }[] }[];
    };
    manifest.accentColor = 'blue';
    manifest.bots[0]!.commandLists[0]!.commands[0]!.title = 'a command title well over thirty-two characters';
    writeFileSync(manifestPath, JSON.stringify(manifest));
    writeFileSync(join(work, 'appPackage', 'outline.png'), readFileSync(join(ROOT, 'appPackage', 'color.png')));
    const envFile = join(work, '.env.test');
    writeFileSync(envFile, ENV_FILE);
    const outputPath = join(work, 'bad.zip');
    const error = captureError(() => buildAppPackage({ rootDir: work, envName: 'test', envFile, outputPath, processEnv: {} }));
    const message = error.problems.join('\n');
    assert.match(message, /manifest\.json\/accentColor: must match pattern/);
    assert.match(message, /commands\[0\]\.title .* longer than 32 characters/);
    assert.match(message, /icons\.outline: outline\.png is 192x192, must be 32x32/);
    assert.ok(!existsSync(outputPath));
  });

  it('validatePackageFiles reports leftover placeholders, missing localization files and unknown commands', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'appPackage', 'manifest.json'), 'utf8')) as Record<string, unknown>;
    const spanish = JSON.parse(readFileSync(join(ROOT, 'appPackage', 'es.json'), 'utf8')) as Record<string, string>;
    spanish['bots[0].commandLists[2].commands[11].title'] = 'extra';
    const files = new Map<string, Buffer>([
      ['manifest.json', Buffer.from(JSON.stringify(manifest))],
      ['color.png', readFileSync(join(ROOT, 'appPackage', 'color.png'))],
      ['outline.png', readFileSync(join(ROOT, 'appPackage', 'outline.png'))],
      ['es.json', Buffer.from(JSON.stringify(spanish))],
    ]);
    const problems = validatePackageFiles(files).join('\n');
    assert.match(problems, /manifest\.json: placeholders left: TEAMS_APP_ID, BOT_DOMAIN/);
    assert.match(problems, /localizationInfo: pt-BR\.json is not in the package/);
    assert.match(problems, /es\.json: bots\[0\]\.commandLists\[2\]\.commands\[11\]\.title names a command the manifest does not have/);
  });

  it('createZip output is read back entry by entry, the same bytes for the same input', () => {
    const entries = [
      { name: 'a.txt', data: Buffer.from('hello hello hello') },
      { name: 'ü/b.bin', data: Buffer.alloc(70_000, 7) },
      { name: 'empty', data: Buffer.alloc(0) },
    ];
    const zip = createZip(entries);
    assert.deepEqual(
      [...readZip(zip)],
      entries.map((entry) => [entry.name, entry.data]),
    );
    assert.ok(zip.equals(createZip(entries)), 'reproducible');
  });
});

describe('Microsoft 365 Agents Toolkit files', () => {
  // No YAML parser in the project: these read the files line by line, which their flat layout allows.
  const BUILT_IN = new Set(['TEAMSFX_ENV', 'AZURE_SUBSCRIPTION_ID', 'AZURE_RESOURCE_GROUP_NAME']);

  for (const [yml, envName] of [
    ['m365agents.yml', 'dev'],
    ['m365agents.local.yml', 'local'],
  ] as const) {
    describe(yml, () => {
      const text = readFileSync(join(ROOT, yml), 'utf8');
      const env = parseEnv(readFileSync(join(ROOT, 'env', `.env.${envName}`), 'utf8'));
      const section = (name: string): string => {
        const match = new RegExp(`^${name}:\\n([\\s\\S]*?)(?=^\\S|(?![\\s\\S]))`, 'm').exec(text);
        return match?.[1] ?? '';
      };
      const uses = (name: string): string[] => [...section(name).matchAll(/^\s*- uses: (\S+)/gm)].map((match) => match[1]!);

      it('declares a v1.x schema version', () => {
        assert.match(text, /^version: v1\.\d+$/m);
        assert.match(text, /\$schema=https:\/\/aka\.ms\/m365-agents-toolkits\/v1\.\d+\/yaml\.schema\.json/);
      });

      it('provisions the Teams app, the Entra apps and the bot, then validates, zips and updates', () => {
        assert.deepEqual(uses('provision'), [
          'teamsApp/create',
          'aadApp/create',
          'botAadApp/create',
          'botFramework/create',
          'teamsApp/validateManifest',
          'teamsApp/zipAppPackage',
          'teamsApp/validateAppPackage',
          'teamsApp/update',
        ]);
        assert.match(section('provision'), /outputZipPath: \.\/appPackage\/build\/appPackage\.\$\{\{TEAMSFX_ENV\}\}\.zip/);
      });

      it('deploys the usual way', () => {
        const expected = envName === 'local' ? 'file/createOrUpdateEnvironmentFile' : 'azureAppService/zipDeploy';
        assert.ok(uses('deploy').includes(expected), uses('deploy').join(', '));
      });

      it(`uses only variables that env/.env.${envName} declares, an earlier action writes, or the toolkit provides`, () => {
        const written = new Set([...text.matchAll(/^\s+\w+: ([A-Z][A-Z0-9_]*)\s*$/gm)].map((match) => match[1]!));
        const used = [...text.matchAll(/\$\{\{([A-Z0-9_]+)\}\}/g)].map((match) => match[1]!);
        const unknown = used.filter((name) => !(name in env) && !written.has(name) && !BUILT_IN.has(name));
        assert.deepEqual([...new Set(unknown)], []);
        assert.equal(env.TEAMSFX_ENV, envName);
      });

      it(`env/.env.${envName} declares every placeholder of the app package and holds no secret`, () => {
        for (const file of ['manifest.json', 'es.json', 'pt-BR.json', 'it.json', 'sv.json']) {
          for (const match of readFileSync(join(ROOT, 'appPackage', file), 'utf8').matchAll(/\$\{\{([A-Z0-9_]+)\}\}/g)) {
            assert.ok(match[1]! in env, `${match[1]} (${file}) is not in env/.env.${envName}`);
          }
        }
        assert.deepEqual(
          Object.keys(env).filter((name) => name.startsWith('SECRET_')),
          [],
        );
      });
    });
  }
});
