import { catalogForVersion, isK8sVersion } from '@nodekeeper/core/plan';
import { parseFlags } from '../args.ts';
import { UsageError } from '../errors.ts';
import { renderTable, toJson } from '../output.ts';
import { type Command, ExitCode } from '../types/index.ts';

export const catalogCommand: Command = {
  name: 'catalog',
  summary: 'List the SSM parameters where AWS publishes the latest AMI for each amiType',
  usage: `Usage: nodekeeper catalog --k8s-version 1.33 [--json]

Prints, for every EKS amiType nodekeeper knows (AL2023 standard/NVIDIA/Neuron, AL2,
Bottlerocket incl. NVIDIA and FIPS, Windows Core/Full 2019/2022/2025), the SSM public parameter
holding the latest image ID and the one holding its release version. Offline: reads nothing.

Options:
  --k8s-version V   Kubernetes minor version, e.g. 1.33 (required)
  --json            print [{amiType, imageIdParameter, releaseVersionParameter}]
  -h, --help        show this help
`,
  async run(args, ctx) {
    const { values } = parseFlags(args, { 'k8s-version': { type: 'string' }, json: { type: 'boolean' } });
    const version = values['k8s-version'];
    if (version === undefined) throw new UsageError('--k8s-version is required, e.g. --k8s-version 1.33');
    if (!isK8sVersion(version)) {
      throw new UsageError(`--k8s-version must look like 1.33 (got '${version}')`);
    }
    const entries = catalogForVersion(version);
    if (values.json) {
      ctx.stdout(
        toJson(
          entries.map((e) => ({
            amiType: e.amiType,
            imageIdParameter: e.imageIdParameter,
            releaseVersionParameter: e.releaseVersionParameter,
          })),
        ),
      );
    } else {
      ctx.stdout(
        `${renderTable(
          ['AMI TYPE', 'IMAGE ID PARAMETER', 'RELEASE VERSION PARAMETER'],
          entries.map((e) => [
            e.amiType,
            e.imageIdParameter,
            e.releaseVersionSource === 'json-parent'
              ? `${e.releaseVersionParameter} (JSON: release_version)`
              : e.releaseVersionParameter,
          ]),
        )}\n`,
      );
    }
    return ExitCode.ok;
  },
};
