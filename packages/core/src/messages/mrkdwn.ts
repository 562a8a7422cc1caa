/**
 * Safe interpolation of untrusted strings (names from AWS, user text, error messages) into Slack
 * mrkdwn. All functions are pure.
 */

const ZWSP = '\u200b';
/** U+02CB MODIFIER LETTER GRAVE ACCENT: looks like a backtick but cannot open or close a code span. */
const GRAVE_LOOKALIKE = '\u02cb';

/** Escapes the three characters Slack treats as control characters: `&`, `<`, `>`. */
export function escapeControl(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Escapes untrusted text for mrkdwn outside code: `&<>` become entities (so `<!channel>`,
 * `<@U…>` and `<url|label>` render literally), and a zero-width space before each of `* _ ~ \``
 * stops them from opening or closing formatting. Pure.
 */
export function escapeMrkdwn(text: string): string {
  return escapeControl(text).replace(/[*_~`]/g, (c) => `${ZWSP}${c}`);
}

/**
 * Renders untrusted text as an inline code span (where `* _ ~` do not format). Backticks become a
 * lookalike, newlines become spaces, `&<>` are escaped. Pure.
 */
export function code(text: string): string {
  const inner = escapeControl(text.replace(/[\r\n]+/g, ' ').replace(/`/g, GRAVE_LOOKALIKE));
  return `\`${inner === '' ? ' ' : inner}\``;
}

/** Renders untrusted multi-line text as a preformatted block. Pure. */
export function codeBlock(text: string): string {
  const inner = escapeControl(text.replace(/`/g, GRAVE_LOOKALIKE));
  return `\`\`\`${inner === '' ? ' ' : inner}\`\`\``;
}

/** A mrkdwn link. `url` must be one we built (percent-encoded); the label is escaped. Pure. */
export function link(url: string, label: string): string {
  return `<${url.replace(/[<>|]/g, encodeURIComponent)}|${escapeMrkdwn(label)}>`;
}

/** Cuts plain text to at most `max` characters, ending with an ellipsis when cut. Pure. */
export function truncatePlain(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 1) return '…'.slice(0, max);
  let cut = text.slice(0, max - 1);
  // Never split a surrogate pair.
  if (/[\ud800-\udbff]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut}…`;
}

/**
 * Cuts mrkdwn to at most `max` characters without leaving a broken entity, link or code span,
 * ending with an ellipsis when cut. Pure.
 */
export function truncateMrkdwn(text: string, max: number): string {
  if (text.length <= max) return text;
  // Reserve room for the ellipsis and a closing fence.
  let cut = text.slice(0, Math.max(0, max - 5));
  if (/[\ud800-\udbff]$/.test(cut)) cut = cut.slice(0, -1);
  cut = cut.replace(/&[a-z]*$/, '').replace(/<[^>]*$/, '');
  const fences = cut.split('```').length - 1;
  if (fences % 2 === 1) return `${cut}…\`\`\``;
  const ticks = cut.replace(/```/g, '').split('`').length - 1;
  if (ticks % 2 === 1) return `${cut}…\``;
  return `${cut}…`;
}
