import { describe, expect, it } from 'vitest';
import { fitToSlackLimits, SlackLimits } from '../../src/messages/limits.ts';
import { nodegroupConsoleUrl, ssmCommandConsoleUrl } from '../../src/messages/links.ts';
import { code, codeBlock, escapeMrkdwn, truncateMrkdwn, truncatePlain } from '../../src/messages/mrkdwn.ts';
import type { Block } from '../../src/messages/types.ts';
import { expectValidSlackMessage } from './support.ts';

describe('escapeMrkdwn', () => {
  describe('when text contains Slack control sequences', () => {
    it('turns &, < and > into entities', () => {
      expect(escapeMrkdwn('<!channel> <@U123> <http://x|y> a&b')).toBe(
        '&lt;!channel&gt; &lt;@U123&gt; &lt;http://x|y&gt; a&amp;b',
      );
    });

    it('puts a zero-width space before formatting characters', () => {
      expect(escapeMrkdwn('*bold* _it_ ~s~ `c`')).toBe(
        '\u200b*bold\u200b* \u200b_it\u200b_ \u200b~s\u200b~ \u200b`c\u200b`',
      );
    });
  });
});

describe('code', () => {
  describe('when the value contains backticks, newlines and entities', () => {
    it('keeps it inside one code span', () => {
      expect(code('a`b\nc<d>&')).toBe('`a\u02cbb c&lt;d&gt;&amp;`');
    });
  });

  describe('when the value is empty', () => {
    it('renders a non-empty span', () => {
      expect(code('')).toBe('` `');
    });
  });
});

describe('codeBlock', () => {
  it('neutralizes fences inside the text', () => {
    expect(codeBlock('x```y')).toBe('```x\u02cb\u02cb\u02cby```');
  });
});

describe('truncateMrkdwn', () => {
  describe('when the cut falls inside an entity', () => {
    it('drops the partial entity', () => {
      const out = truncateMrkdwn(`${'a'.repeat(7)}&amp;${'b'.repeat(20)}`, 14);
      expect(out).toBe('aaaaaaa…');
    });
  });

  describe('when the cut falls inside a code block', () => {
    it('closes the block', () => {
      const out = truncateMrkdwn(`\`\`\`${'x'.repeat(100)}\`\`\``, 50);
      expect(out.length).toBeLessThanOrEqual(50);
      expect(out.endsWith('…```')).toBe(true);
    });
  });

  describe('when the cut falls inside a link', () => {
    it('drops the partial link', () => {
      const out = truncateMrkdwn(`see <https://example.com/${'p'.repeat(100)}|here>`, 40);
      expect(out).toBe('see …');
    });
  });

  describe('when the text fits', () => {
    it('returns it unchanged', () => {
      expect(truncateMrkdwn('short', 5)).toBe('short');
    });
  });
});

describe('truncatePlain', () => {
  it('ends with an ellipsis and respects the length', () => {
    expect(truncatePlain('abcdef', 4)).toBe('abc…');
  });

  it('never splits a surrogate pair', () => {
    expect(truncatePlain('ab😀cd', 4)).toBe('ab…');
  });
});

describe('fitToSlackLimits', () => {
  describe('when every limit is exceeded', () => {
    const blocks: Block[] = [
      { type: 'header', text: { type: 'plain_text', text: 'h'.repeat(500) } },
      {
        type: 'section',
        text: { type: 'mrkdwn', text: 's'.repeat(10_000) },
        fields: Array.from({ length: 15 }, () => ({ type: 'mrkdwn' as const, text: 'f'.repeat(5000) })),
      },
      ...Array.from({ length: 100 }, (): Block => ({ type: 'divider' })),
    ];
    const fitted = fitToSlackLimits({ text: 't'.repeat(50_000), blocks });

    it('truncates with an ellipsis instead of rejecting', () => {
      expect(fitted.blocks.length).toBeLessThanOrEqual(SlackLimits.blocks);
      const [header, section] = fitted.blocks;
      expect(header?.type === 'header' && header.text.text).toBe(`${'h'.repeat(149)}…`);
      expect(section?.type === 'section' && section.text?.text.length).toBeLessThanOrEqual(
        SlackLimits.sectionText,
      );
      expect(section?.type === 'section' && section.text?.text.endsWith('…')).toBe(true);
    });

    it('replaces surplus fields and blocks with "and N more"', () => {
      const section = fitted.blocks[1];
      expect(section?.type === 'section' && section.fields?.[9]?.text).toBe('…and 6 more');
      expect(section?.type === 'section' && section.fields?.length).toBe(10);
      expect(section?.type === 'section' && section.fields?.every((f) => f.text.length <= 2000)).toBe(true);
      expect(fitted.text.length).toBeLessThanOrEqual(SlackLimits.fallbackText);
      expect(fitted.blocks).toHaveLength(50);
      expect(fitted.blocks[49]).toEqual({
        type: 'context',
        elements: [{ type: 'mrkdwn', text: '…and 53 more blocks not shown' }],
      });
    });
  });

  describe('when texts are empty', () => {
    it('fills them so Slack accepts the message', () => {
      const fitted = fitToSlackLimits({
        text: ' ',
        blocks: [{ type: 'header', text: { type: 'plain_text', text: '' } }, { type: 'section' }],
      });
      expectValidSlackMessage(fitted);
      expect(fitted.text).toBe('nodekeeper');
    });
  });
});

describe('console links', () => {
  it('builds the node group page', () => {
    expect(nodegroupConsoleUrl({ region: 'eu-west-1', cluster: 'prod-a', nodegroup: 'general_v2' })).toBe(
      'https://eu-west-1.console.aws.amazon.com/eks/home?region=eu-west-1#/clusters/prod-a/nodegroups/general_v2',
    );
  });

  it('builds the Run Command page', () => {
    expect(ssmCommandConsoleUrl({ region: 'us-east-1', commandId: 'cmd-1' })).toBe(
      'https://us-east-1.console.aws.amazon.com/systems-manager/run-command/cmd-1?region=us-east-1',
    );
  });

  describe('when inputs try to steer the URL', () => {
    it('keeps the host on the AWS console and encodes every segment', () => {
      const url = nodegroupConsoleUrl({ region: 'evil.com/x?', cluster: '../a|b>', nodegroup: '*x*' });
      expect(url.startsWith('https://evilcomx.console.aws.amazon.com/')).toBe(true);
      expect(url).toContain('/clusters/..%2Fa%7Cb%3E/nodegroups/%2Ax%2A');
    });
  });
});
