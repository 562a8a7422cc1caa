import { describe, expect, it } from 'vitest';
import { renderChannel, type SlackPostLike } from '../../scripts/demo-render.ts';

function post(kind: string, ts: string, body: SlackPostLike['body']): SlackPostLike {
  return { kind, ts, body };
}

describe('renderChannel', () => {
  describe('when a parent was edited once and has one reply', () => {
    it('says "edited once" and "1 reply"', () => {
      const out = renderChannel([
        post('chat.postMessage', '1.1', { text: 'Patch of 1 node group: 1 pending' }),
        post('chat.update', '1.1', { ts: '1.1', text: 'Patch of 1 node group: 1 not started' }),
        post('chat.postMessage', '1.2', { thread_ts: '1.1', text: 'Patch refused' }),
      ]);
      expect(out).toContain('(edited once with chat.update');
      expect(out).toContain('  1 reply in the thread:');
      expect(out).not.toMatch(/1 times|1 replies/);
    });
  });

  describe('when a reply was broadcast to the channel', () => {
    it('says so under the reply', () => {
      const out = renderChannel([
        post('chat.postMessage', '1.1', { text: 'parent' }),
        post('chat.postMessage', '1.2', { thread_ts: '1.1', reply_broadcast: true, text: 'failed' }),
      ]);
      expect(out).toContain('    (also sent to the channel: reply_broadcast)');
    });
  });

  describe('when a parent was edited twice and has two replies', () => {
    it('says "edited 2 times" and "2 replies"', () => {
      const out = renderChannel([
        post('chat.postMessage', '1.1', { text: 'parent' }),
        post('chat.update', '1.1', { ts: '1.1', text: 'a' }),
        post('chat.update', '1.1', { ts: '1.1', text: 'b' }),
        post('chat.postMessage', '1.2', { thread_ts: '1.1', text: 'r1' }),
        post('chat.postMessage', '1.3', { thread_ts: '1.1', text: 'r2' }),
      ]);
      expect(out).toContain('(edited 2 times with chat.update');
      expect(out).toContain('  2 replies in the thread:');
    });
  });

  describe('when a message carries buttons and a click answered on its response URL', () => {
    it('shows the buttons and the outcome line, not the private answer', () => {
      const out = renderChannel([
        post('chat.postMessage', '1.1', {
          text: 'Release 20261110 halted',
          blocks: [
            {
              type: 'context',
              elements: [
                { type: 'mrkdwn', text: ':white_check_mark: Approved for wave `prod` by <@U0ONCALL01>' },
              ],
            },
            {
              type: 'actions',
              elements: [{ type: 'button', text: { text: 'Keep halted' } }],
            },
          ],
        }),
        post('response', '1.1', { text: 'This request was already handled; nothing was done again.' }),
      ]);
      expect(out).toContain('│ :white_check_mark: Approved for wave prod by <@U0ONCALL01>');
      expect(out).toContain('│ [ Keep halted ]');
      expect(out).not.toContain('already handled');
    });
  });
});
