// What a patch command did on each instance (SSM ListCommandInvocations): all the patch-status
// function needs of AWS, kept apart from the rest of patching so that its bundle holds SSM only.
import { type CommandInvocation, ListCommandInvocationsCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type { PatchAwsPort, PatchInvocation } from '@nodekeeper/core/patch';
import type { AwsClients } from './clients.ts';
import { callAws } from './errors.ts';
import './services/ssm.ts';

/** Pages read at most, as for the rest of patching (50 invocations each). */
const MAX_PAGES = 100;

function pluginOutput(inv: CommandInvocation): string {
  return (inv.CommandPlugins ?? []).map((p) => p.Output ?? '').join('\n');
}

/** ListCommandInvocations (Details) for one command: every instance's status and output. Read-only. */
export async function listPatchInvocations(ssm: SSMClient, commandId: string): Promise<PatchInvocation[]> {
  const rows: PatchInvocation[] = [];
  let NextToken: string | undefined;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const out = await callAws(
      'ssm',
      'ListCommandInvocations',
      () =>
        ssm.send(
          new ListCommandInvocationsCommand({
            CommandId: commandId,
            Details: true,
            MaxResults: 50,
            NextToken,
          }),
        ),
      commandId,
    );
    for (const inv of out.CommandInvocations ?? []) {
      if (!inv.InstanceId) continue;
      rows.push({
        instanceId: inv.InstanceId,
        status: inv.Status ?? 'Pending',
        statusDetails: inv.StatusDetails ?? inv.Status ?? '',
        output: pluginOutput(inv),
      });
    }
    NextToken = out.NextToken;
    if (!NextToken) break;
  }
  return rows;
}

/** The part of the patch port that reports a command's results: ListCommandInvocations in the command's region. */
export function createPatchStatusPort(
  clientsFor: (region: string) => Pick<AwsClients, 'ssm'>,
): Pick<PatchAwsPort, 'listInvocations'> {
  return {
    listInvocations: (region, commandId) => listPatchInvocations(clientsFor(region).ssm, commandId),
  };
}
