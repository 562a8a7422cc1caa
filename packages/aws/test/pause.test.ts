import { GetParameterCommand, ParameterNotFound, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createPausePort,
  DEFAULT_PAUSE_PARAMETER,
  parsePauseState,
  pauseParameterName,
  readPauseState,
  setPauseState,
} from '../index.ts';

const ssm = mockClient(SSMClient);
const client = () => new SSMClient({ region: 'us-east-1' });
const name = '/nodekeeper/prod/paused';

afterEach(() => ssm.reset());

describe('parsePauseState', () => {
  it.each([
    ['', null],
    ['false', null],
    ['{"paused":false,"by":"alice","at":"2026-11-20T00:00:00.000Z"}', null],
    ['true', { reason: null, by: null, at: null }],
    [
      '{"paused":true,"reason":"incident 42","by":"alice","at":"2026-11-20T00:00:00.000Z"}',
      { reason: 'incident 42', by: 'alice', at: '2026-11-20T00:00:00.000Z' },
    ],
  ])('reads %j', (value, state) => {
    expect(parsePauseState(value)).toEqual(state);
  });

  it('treats a corrupt flag as paused and says why', () => {
    expect(parsePauseState('{"paused":tru')?.reason).toMatch(/^pause parameter is not valid JSON/);
  });
});

describe('pauseParameterName', () => {
  it('uses NODEKEEPER_PAUSE_PARAMETER, else the default', () => {
    expect(pauseParameterName({ NODEKEEPER_PAUSE_PARAMETER: name })).toBe(name);
    expect(pauseParameterName({})).toBe(DEFAULT_PAUSE_PARAMETER);
  });
});

describe('readPauseState', () => {
  describe('when the parameter exists', () => {
    it('reads it with GetParameter', async () => {
      ssm
        .on(GetParameterCommand)
        .resolves({ Parameter: { Name: name, Value: '{"paused":true,"reason":"freeze"}' } });
      expect(await readPauseState(client(), name)).toEqual({ reason: 'freeze', by: null, at: null });
      expect(ssm).toReceiveCommandWith(GetParameterCommand, { Name: name });
    });
  });

  describe('when the parameter does not exist', () => {
    it('is not paused', async () => {
      ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: 'not found', $metadata: {} }));
      expect(await readPauseState(client(), name)).toBeNull();
    });
  });

  describe('when SSM fails', () => {
    it('throws an adapter error naming the parameter', async () => {
      ssm
        .on(GetParameterCommand)
        .rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
      await expect(readPauseState(client(), name)).rejects.toThrow(
        /GetParameter \(\/nodekeeper\/prod\/paused\) failed: AccessDeniedException/,
      );
    });
  });
});

describe('createPausePort', () => {
  describe('when the flag is set', () => {
    it('reads paused with the reason, who and when on every call', async () => {
      ssm
        .on(GetParameterCommand)
        .resolvesOnce({ Parameter: { Name: name, Value: '{"paused":false}' } })
        .resolves({ Parameter: { Name: name, Value: '{"paused":true,"reason":"freeze","by":"alice"}' } });
      const port = createPausePort(client(), name);
      expect(await port.read()).toEqual({ paused: false, reason: null, by: null, at: null });
      expect(await port.read()).toEqual({ paused: true, reason: 'freeze', by: 'alice', at: null });
      expect(ssm).toHaveReceivedCommandTimes(GetParameterCommand, 2);
    });
  });

  describe('when the parameter does not exist', () => {
    it('is not paused', async () => {
      ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: 'not found', $metadata: {} }));
      expect(await createPausePort(client(), name).read()).toEqual({
        paused: false,
        reason: null,
        by: null,
        at: null,
      });
    });
  });

  describe('when the value is corrupt', () => {
    it('is paused and says why', async () => {
      ssm.on(GetParameterCommand).resolves({ Parameter: { Name: name, Value: '{"paused":tru' } });
      const state = await createPausePort(client(), name).read();
      expect(state.paused).toBe(true);
      expect(state.reason).toMatch(/^pause parameter is not valid JSON/);
    });
  });

  describe('when SSM fails', () => {
    it('throws, so the guard does not start an update', async () => {
      ssm
        .on(GetParameterCommand)
        .rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
      await expect(createPausePort(client(), name).read()).rejects.toThrow(/AccessDeniedException/);
    });
  });
});

describe('setPauseState', () => {
  it('writes JSON that readPauseState reads back', async () => {
    ssm.on(PutParameterCommand).resolves({ Version: 3 });
    await setPauseState(client(), name, {
      paused: true,
      reason: 'incident 42',
      by: 'alice',
      at: '2026-11-20T00:00:00.000Z',
    });
    const value = '{"paused":true,"reason":"incident 42","by":"alice","at":"2026-11-20T00:00:00.000Z"}';
    expect(ssm).toReceiveCommandWith(PutParameterCommand, {
      Name: name,
      Type: 'String',
      Overwrite: true,
      Value: value,
    });
    expect(parsePauseState(value)).toEqual({
      reason: 'incident 42',
      by: 'alice',
      at: '2026-11-20T00:00:00.000Z',
    });
  });

  it('resumes by writing paused false with who and when, dropping the reason', async () => {
    ssm.on(PutParameterCommand).resolves({ Version: 4 });
    await setPauseState(client(), name, {
      paused: false,
      reason: 'ignored',
      by: 'bob',
      at: '2026-11-21T00:00:00.000Z',
    });
    expect(ssm).toReceiveCommandWith(PutParameterCommand, {
      Value: '{"paused":false,"reason":null,"by":"bob","at":"2026-11-21T00:00:00.000Z"}',
    });
  });
});
