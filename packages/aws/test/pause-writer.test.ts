import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createSsmPauseWriter, parsePauseValue } from '../index.ts';

const ssm = mockClient(SSMClient);
const parameter = '/nodekeeper/prod/paused';
const flag = { paused: true, reason: 'incident 42', by: 'slack:U123', at: '2026-11-20T00:00:00.000Z' };

afterEach(() => ssm.reset());

describe('createSsmPauseWriter', () => {
  const writer = () => createSsmPauseWriter(new SSMClient({ region: 'us-east-1' }), parameter);

  describe('when SSM accepts the write', () => {
    it('overwrites the parameter with JSON the pause reader understands', async () => {
      ssm.on(PutParameterCommand).resolves({ Version: 2 });
      expect(await writer().set(flag)).toEqual({ kind: 'set' });
      expect(ssm).toReceiveCommandWith(PutParameterCommand, {
        Name: parameter,
        Type: 'String',
        Overwrite: true,
        Value: JSON.stringify(flag),
      });
      const value = ssm.commandCalls(PutParameterCommand)[0]?.args[0].input.Value ?? '';
      expect(parsePauseValue(value)).toEqual({ paused: true, reason: 'incident 42' });
    });
  });

  describe('when SSM refuses', () => {
    it('returns the error code instead of throwing', async () => {
      ssm
        .on(PutParameterCommand)
        .rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException', $metadata: {} }));
      expect(await writer().set({ ...flag, paused: false })).toEqual({
        kind: 'failed',
        errorCode: 'AccessDeniedException',
      });
    });
  });
});
