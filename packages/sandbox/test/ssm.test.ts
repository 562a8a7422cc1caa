import {
  DescribeInstanceInformationCommand,
  GetCommandInvocationCommand,
  GetParameterCommand,
  GetParametersByPathCommand,
  GetParametersCommand,
  ListCommandInvocationsCommand,
  ListCommandsCommand,
  ListDocumentsCommand,
  PutParameterCommand,
  SendCommandCommand,
} from '@aws-sdk/client-ssm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../index.ts';
import { clients, rejection } from './helpers.ts';

describe('sandbox SSM', () => {
  let sb: Sandbox;
  let ssm: ReturnType<typeof clients>['ssm'];

  beforeEach(async () => {
    sb = await startSandbox({ now: '2026-11-22T09:00:00.000Z' });
    ({ ssm } = clients(sb));
  });
  afterEach(async () => {
    await sb.close();
  });

  describe('Parameter Store', () => {
    it('gets a public parameter with its ARN', async () => {
      const name =
        '/aws/service/eks/optimized-ami/1.33/amazon-linux-2023/x86_64/standard/recommended/release_version';
      const { Parameter } = await ssm.send(new GetParameterCommand({ Name: name }));
      expect(Parameter).toMatchObject({ Name: name, Value: '1.33.5-20261110', Type: 'String', Version: 1 });
      expect(Parameter?.ARN).toBe(`arn:aws:ssm:us-east-1::parameter${name}`);
    });

    it('answers ParameterNotFound for an unknown name', async () => {
      expect((await rejection(ssm.send(new GetParameterCommand({ Name: '/nope' })))).name).toBe(
        'ParameterNotFound',
      );
    });

    it('lists unknown names in InvalidParameters', async () => {
      const out = await ssm.send(
        new GetParametersCommand({ Names: ['/golden/eks-al2023/ami', '/missing/one'] }),
      );
      expect(out.Parameters?.map((p) => p.Value)).toEqual(['ami-0901de0000001118']);
      expect(out.InvalidParameters).toEqual(['/missing/one']);
    });

    it('rejects more than 10 names with ValidationException', async () => {
      const names = Array.from({ length: 11 }, (_, i) => `/p/${i}`);
      const err = await rejection(ssm.send(new GetParametersCommand({ Names: names })));
      expect(err.name).toBe('ValidationException');
      expect(err.message).toContain('less than or equal to 10');
      expect(sb.takeViolations()).toMatchObject([
        { operation: 'GetParameters', path: 'Names', rule: 'length' },
      ]);
    });

    it('walks a path recursively across pages', async () => {
      const names: string[] = [];
      let token: string | undefined;
      for (let i = 0; i < 20; i++) {
        const out = await ssm.send(
          new GetParametersByPathCommand({
            Path: '/aws/service/eks/optimized-ami/1.33',
            Recursive: true,
            MaxResults: 3,
            NextToken: token,
          }),
        );
        names.push(...(out.Parameters?.map((p) => p.Name ?? '') ?? []));
        token = out.NextToken;
        if (!token) break;
      }
      // Every parameter under the path, release-named ones included (the demo publishes a history).
      const published = Object.keys(sb.state().parameters).filter((n) =>
        n.startsWith('/aws/service/eks/optimized-ami/1.33/'),
      );
      expect(names.sort()).toEqual(published.sort());
      expect(names.length).toBeGreaterThan(20);
      expect(names).toContain(
        '/aws/service/eks/optimized-ami/1.33/amazon-linux-2023/arm64/standard/recommended/image_id',
      );
    });

    it('lists only direct children without Recursive', async () => {
      const out = await ssm.send(
        new GetParametersByPathCommand({ Path: '/aws/service/bottlerocket/aws-k8s-1.33/x86_64/latest' }),
      );
      expect(out.Parameters?.map((p) => p.Name?.split('/').at(-1)).sort()).toEqual([
        'image_id',
        'image_version',
      ]);
      const none = await ssm.send(new GetParametersByPathCommand({ Path: '/aws/service/bottlerocket' }));
      expect(none.Parameters).toEqual([]);
    });

    it('puts a parameter, refusing to overwrite unless told', async () => {
      const put = await ssm.send(
        new PutParameterCommand({ Name: '/nodekeeper/paused', Value: 'true', Type: 'String' }),
      );
      expect(put.Version).toBe(1);
      expect(
        (await rejection(ssm.send(new PutParameterCommand({ Name: '/nodekeeper/paused', Value: 'false' }))))
          .name,
      ).toBe('ParameterAlreadyExists');
      const again = await ssm.send(
        new PutParameterCommand({ Name: '/nodekeeper/paused', Value: 'false', Overwrite: true }),
      );
      expect(again.Version).toBe(2);
      expect(sb.state().parameters['/nodekeeper/paused']).toBe('false');
    });
  });

  describe('Run Command', () => {
    const patch = { Operation: ['Install'], RebootOption: ['NoReboot'] };

    it('targets managed instances by tag, never unmanaged ones, and resolves each to its outcome', async () => {
      const { Command } = await ssm.send(
        new SendCommandCommand({
          DocumentName: 'AWS-RunPatchBaseline',
          Targets: [
            { Key: 'tag:eks:cluster-name', Values: ['prod-a'] },
            { Key: 'tag:eks:nodegroup-name', Values: ['general'] },
          ],
          Parameters: patch,
          MaxConcurrency: '2',
          MaxErrors: '1',
          TimeoutSeconds: 600,
          Comment: 'nodekeeper patch prod-a/general',
        }),
      );
      expect(Command).toMatchObject({
        Status: 'Pending',
        TargetCount: 3,
        DocumentName: 'AWS-RunPatchBaseline',
        MaxConcurrency: '2',
      });
      const id = Command?.CommandId ?? '';

      const pending = await ssm.send(new ListCommandInvocationsCommand({ CommandId: id }));
      expect(pending.CommandInvocations?.map((i) => i.InstanceId).sort()).toEqual([
        'i-0a0000000000a0001',
        'i-0a0000000000a0002',
        'i-0a0000000000a0003',
      ]);

      sb.clock.advance(3);
      const running = await ssm.send(new ListCommandsCommand({ CommandId: id }));
      expect(running.Commands?.[0]?.Status).toBe('InProgress');

      sb.clock.advance(60);
      const done = await ssm.send(new ListCommandInvocationsCommand({ CommandId: id, Details: true }));
      const byId = Object.fromEntries(done.CommandInvocations?.map((i) => [i.InstanceId, i]) ?? []);
      expect(byId['i-0a0000000000a0001']?.Status).toBe('Success');
      expect(byId['i-0a0000000000a0003']?.Status).toBe('Failed');
      expect(byId['i-0a0000000000a0003']?.CommandPlugins?.[0]).toMatchObject({
        Name: 'PatchLinux',
        ResponseCode: 1,
      });
      const cmd = await ssm.send(new ListCommandsCommand({ CommandId: id }));
      expect(cmd.Commands?.[0]).toMatchObject({ Status: 'Failed', CompletedCount: 3, ErrorCount: 1 });

      const inv = await ssm.send(
        new GetCommandInvocationCommand({ CommandId: id, InstanceId: 'i-0a0000000000a0001' }),
      );
      expect(inv).toMatchObject({
        Status: 'Success',
        StatusDetails: 'Success',
        ResponseCode: 0,
        PluginName: 'PatchLinux',
      });
      expect(inv.StandardOutputContent).toContain('Operation type: Install');
      expect(inv.StandardOutputContent).toContain('Reboot option: NoReboot');
    });

    it('reports TimedOut instances', async () => {
      const { Command } = await ssm.send(
        new SendCommandCommand({
          DocumentName: 'AWS-RunPatchBaseline',
          Targets: [{ Key: 'tag:eks:nodegroup-name', Values: ['golden'] }],
          Parameters: patch,
        }),
      );
      sb.clock.advance(60);
      const inv = await ssm.send(
        new GetCommandInvocationCommand({ CommandId: Command?.CommandId, InstanceId: 'i-0b0000000000b0102' }),
      );
      expect(inv).toMatchObject({ Status: 'TimedOut', StatusDetails: 'ExecutionTimedOut' });
    });

    it('rejects an unmanaged instance named by id with InvalidInstanceId', async () => {
      const err = await rejection(
        ssm.send(
          new SendCommandCommand({
            DocumentName: 'AWS-RunPatchBaseline',
            InstanceIds: ['i-0a0000000000a0004'],
            Parameters: patch,
          }),
        ),
      );
      expect(err.name).toBe('InvalidInstanceId');
    });

    it('answers InvocationDoesNotExist for an instance outside the command', async () => {
      const { Command } = await ssm.send(
        new SendCommandCommand({
          DocumentName: 'AWS-RunPatchBaseline',
          InstanceIds: ['i-0a0000000000a0001'],
          Parameters: patch,
        }),
      );
      const err = await rejection(
        ssm.send(
          new GetCommandInvocationCommand({
            CommandId: Command?.CommandId,
            InstanceId: 'i-0a0000000000a0002',
          }),
        ),
      );
      expect(err.name).toBe('InvocationDoesNotExist');
    });

    it('rejects an invalid Operation parameter', async () => {
      const err = await rejection(
        ssm.send(
          new SendCommandCommand({
            DocumentName: 'AWS-RunPatchBaseline',
            InstanceIds: ['i-0a0000000000a0001'],
            Parameters: { Operation: ['Nuke'] },
          }),
        ),
      );
      expect(err.name).toBe('InvalidParameters');
    });
  });

  describe('DescribeInstanceInformation', () => {
    it('lists only SSM-managed instances, filtered by id', async () => {
      const out = await ssm.send(
        new DescribeInstanceInformationCommand({
          Filters: [
            {
              Key: 'InstanceIds',
              Values: ['i-0a0000000000a0001', 'i-0a0000000000a0004', 'i-0a0000000000a0201'],
            },
          ],
        }),
      );
      expect(out.InstanceInformationList?.map((i) => [i.InstanceId, i.PlatformType, i.PingStatus])).toEqual([
        ['i-0a0000000000a0001', 'Linux', 'Online'],
        ['i-0a0000000000a0201', 'Windows', 'Online'],
      ]);
    });
  });

  describe('when the operation is not implemented', () => {
    it('answers UnknownOperationException', async () => {
      const err = await rejection(ssm.send(new ListDocumentsCommand({})));
      expect(err.name).toBe('UnknownOperationException');
      expect(err.$metadata?.httpStatusCode).toBe(400);
    });
  });
});
