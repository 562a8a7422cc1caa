import { describe, expect, it } from 'vitest';
import { readSettings } from '../lib/settings.ts';

describe('readSettings', () => {
  const config = JSON.stringify({ regions: ['us-east-1'], slack: { channel: '#platform-ops' } });

  it('takes the bot channel from the config when no env var names one', () => {
    expect(readSettings({ NODEKEEPER_CONFIG: config }).slack.channel).toBe('#platform-ops');
  });

  it('lets NODEKEEPER_SLACK_CHANNEL override it', () => {
    expect(
      readSettings({ NODEKEEPER_CONFIG: config, NODEKEEPER_SLACK_CHANNEL: 'C0123456789' }).slack.channel,
    ).toBe('C0123456789');
  });

  it('has no channel without either, or with an unreadable config', () => {
    expect(readSettings({}).slack.channel).toBeNull();
    expect(readSettings({ NODEKEEPER_CONFIG: '{not json' }).slack.channel).toBeNull();
  });

  it('takes slack.mentionOnFailure from the config, empty by default', () => {
    const withMentions = JSON.stringify({
      regions: ['us-east-1'],
      slack: { mentionOnFailure: ['U0123ABCD', '<!subteam^S0789IJKL>'] },
    });
    expect(readSettings({ NODEKEEPER_CONFIG: withMentions }).slack.mentionOnFailure).toEqual([
      'U0123ABCD',
      '<!subteam^S0789IJKL>',
    ]);
    expect(readSettings({ NODEKEEPER_CONFIG: config }).slack.mentionOnFailure).toEqual([]);
    expect(readSettings({}).slack.mentionOnFailure).toEqual([]);
  });

  it('defaults the ledger table and reads the workflow ARN', () => {
    const s = readSettings({
      NODEKEEPER_WORKFLOW_ARN: 'arn:aws:lambda:us-east-1:111122223333:function:wf:1',
    });
    expect(s.ledgerTable).toBe('nodekeeper-ledger');
    expect(s.workflowArn).toBe('arn:aws:lambda:us-east-1:111122223333:function:wf:1');
  });

  it('reads the stage the stack sets (NODEKEEPER_STAGE), else default', () => {
    expect(readSettings({ NODEKEEPER_STAGE: 'prod' }).stage).toBe('prod');
    expect(readSettings({}).stage).toBe('default');
  });
});
