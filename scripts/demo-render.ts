/** How the demo prints the Slack channel the sandbox's Slack sink received. Pure. */

function times(n: number): string {
  return n === 1 ? 'once' : `${n} times`;
}

export interface SlackPostLike {
  kind: string;
  ts: string | null;
  body: {
    text?: string;
    ts?: string;
    thread_ts?: string;
    reply_broadcast?: boolean;
    blocks?: Array<{
      type: string;
      text?: { text?: string };
      fields?: Array<{ text?: string }>;
      /** Context texts, or an actions block's buttons. */
      elements?: Array<{ type?: string; text?: string | { text?: string } }>;
    }>;
  };
}

/**
 * The channel as a person sees it: each parent message in its latest (edited) state, with the
 * replies of its thread indented under it.
 */
export function renderChannel(posts: SlackPostLike[]): string {
  const out: string[] = [];
  // Answers on a click's response URL are the clicker's alone (or edits, shown as the message's state).
  const shownPosts = posts.filter((p) => p.kind !== 'response');
  const parents = shownPosts.filter((p) => p.kind !== 'chat.update' && p.body.thread_ts === undefined);
  for (const parent of parents) {
    const edits = shownPosts.filter((p) => p.kind === 'chat.update' && p.body.ts === parent.ts);
    const shown = edits.at(-1) ?? parent;
    out.push(renderSlackPost(shown));
    if (edits.length > 0) out.push(`  (edited ${times(edits.length)} with chat.update as the run went on)`);
    const replies = shownPosts.filter((p) => p.kind !== 'chat.update' && p.body.thread_ts === parent.ts);
    if (replies.length > 0)
      out.push(`  ${replies.length} ${replies.length === 1 ? 'reply' : 'replies'} in the thread:`);
    for (const reply of replies) {
      out.push(renderSlackPost(reply).replace(/^/gm, '    '));
      if (reply.body.reply_broadcast === true) out.push('    (also sent to the channel: reply_broadcast)');
    }
  }
  return out.join('\n');
}

/** A Slack post as a person would read it in the channel, without the markup. */
export function renderSlackPost(post: SlackPostLike): string {
  const plain = (t: string) =>
    t
      .replace(/<([^|>]+)\|([^>]+)>/g, '$2')
      .replace(/[*`]/g, '')
      .replace(/\u200b/g, '')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&');
  const lines = [`┌ ${plain(post.body.text ?? '(no text)')}`];
  for (const block of post.body.blocks ?? []) {
    if (block.type === 'actions') {
      const buttons = (block.elements ?? []).map((e) =>
        typeof e.text === 'object' ? (e.text.text ?? '') : '',
      );
      if (buttons.length > 0) lines.push(`│ ${buttons.map((b) => `[ ${b} ]`).join(' ')}`);
      continue;
    }
    if (block.type === 'context') {
      const texts = (block.elements ?? []).map((e) =>
        typeof e.text === 'string' ? e.text : (e.text?.text ?? ''),
      );
      for (const t of texts.filter((x) => x !== '')) lines.push(`│ ${plain(t)}`);
      continue;
    }
    const text =
      block.text?.text ??
      block.fields
        ?.map((f) => plain(f.text ?? '').replace(/\n/, ': '))
        .filter((f) => !f.startsWith('Account: _this account_'))
        .join('  ·  ');
    if (block.type === 'header' || !text) continue;
    for (const line of plain(text).split('\n').slice(0, 12)) lines.push(`│ ${line}`);
  }
  lines.push('└');
  return lines.join('\n');
}
