/** AWS console deep links. Every path segment is percent-encoded, so no input can break a URL. Pure. */
import type { NodegroupRef } from './types.ts';

/** encodeURIComponent plus `!'()*~`, which never occur in AWS names but could format in mrkdwn. */
function seg(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*~]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function consoleHost(region: string): string {
  // Regions are `[a-z0-9-]`; anything else is replaced so the host cannot be steered elsewhere.
  const safe = region.toLowerCase().replace(/[^a-z0-9-]/g, '');
  return `https://${safe}.console.aws.amazon.com`;
}

/** The EKS console page of a cluster. */
export function clusterConsoleUrl(ref: { region: string; cluster: string }): string {
  const r = seg(ref.region);
  return `${consoleHost(ref.region)}/eks/home?region=${r}#/clusters/${seg(ref.cluster)}`;
}

/** The EKS console page of a node group (its "Update history" tab lists the update). */
export function nodegroupConsoleUrl(ref: Pick<NodegroupRef, 'region' | 'cluster' | 'nodegroup'>): string {
  return `${clusterConsoleUrl(ref)}/nodegroups/${seg(ref.nodegroup)}`;
}

/** The Systems Manager Run Command page of one command. */
export function ssmCommandConsoleUrl(ref: { region: string; commandId: string }): string {
  return `${consoleHost(ref.region)}/systems-manager/run-command/${seg(ref.commandId)}?region=${seg(ref.region)}`;
}
