import type { TokenCredential } from '@azure/identity';
import type { Client } from '@microsoft/microsoft-graph-client';
import type { Clock } from '../clock.js';
import { CachingDirectory } from './cachingDirectory.js';
import type { Directory } from './directory.js';
import type { DirectoryConfig } from './directoryConfig.js';
import { clientSecretCredential, createGraphClient } from './graphClient.js';
import { GraphDirectory } from './graphDirectory.js';
import { RosterAdministration } from './rosterAdministration.js';
import { RosterDirectory } from './rosterDirectory.js';
import { applyBootstrap, parseBootstrap } from './rosterOperator.js';
import type { RosterStorage } from './rosterStorage.js';
import { RosterStore } from './rosterStore.js';

// Builds the directory the configuration asks for. Called once at start: a malformed roster
// or bootstrap variable throws here (the message names the line or the variable), and the bot
// does not start.

export interface DirectoryServices {
  directory: Directory;
  roster: RosterStore;
  administration: RosterAdministration;
  /** Present when Graph is configured; the consent mail uses it for sendMail. */
  graphClient?: Client;
  kind: 'roster' | 'graph';
}

export async function openDirectory(
  config: DirectoryConfig,
  options: { credential?: TokenCredential; clock: Clock; rosterStorage: RosterStorage },
): Promise<DirectoryServices> {
  const roster = new RosterStore({ storage: options.rosterStorage, cacheTtlMs: config.cacheTtlMs, clock: options.clock });
  await roster.load();
  await applyBootstrap(roster, parseBootstrap(config.bootstrapOrganisations, config.bootstrapAdmins));
  const rosterDirectory = new RosterDirectory(roster);
  const administration = new RosterAdministration(roster);
  const graph = config.graph;
  if (!graph) return { directory: rosterDirectory, roster, administration, kind: 'roster' };

  const credential = options.credential ?? clientSecretCredential(graph.tenantId, graph.clientId, graph.clientSecret);
  const graphClient = createGraphClient({
    baseUrl: graph.baseUrl,
    credential,
    timeoutMs: graph.timeoutMs,
    maxRetries: graph.maxRetries,
    maxRetryAfterSeconds: graph.maxRetryAfterSeconds,
    clock: options.clock,
  });
  const graphDirectory = new GraphDirectory({
    client: graphClient,
    tenantId: graph.tenantId,
    roleGroups: graph.roleGroups,
    roster,
    fallback: rosterDirectory,
  });
  const directory = new CachingDirectory(graphDirectory, config.cacheTtlMs, options.clock);
  // A grant or revoke (on any instance, where the engine tells) shows at the next turn.
  roster.onChange(() => directory.clear());
  return {
    directory,
    roster,
    administration,
    graphClient,
    kind: 'graph',
  };
}
