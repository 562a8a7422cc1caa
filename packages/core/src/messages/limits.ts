/** Slack's Block Kit limits, enforced in one place so no builder can produce a rejected post. */
import { truncateMrkdwn, truncatePlain } from './mrkdwn.ts';
import type {
  ActionButton,
  Block,
  ButtonElement,
  MrkdwnObject,
  PlainTextObject,
  SlackMessage,
} from './types.ts';

export const SlackLimits = {
  blocks: 50,
  sectionText: 3000,
  fields: 10,
  fieldText: 2000,
  headerText: 150,
  contextElements: 10,
  contextText: 3000,
  actionsElements: 25,
  buttonText: 75,
  buttonUrl: 3000,
  buttonValue: 2000,
  actionId: 255,
  blockId: 255,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  /** Slack truncates `text` at 40,000 characters; we keep the fallback far shorter. */
  fallbackText: 4000,
} as const;

function plain(obj: PlainTextObject, max: number): PlainTextObject {
  const text = obj.text.trim() === '' ? '-' : obj.text;
  return { ...obj, text: truncatePlain(text, max) };
}

function mrkdwn(obj: MrkdwnObject, max: number): MrkdwnObject {
  const text = obj.text.trim() === '' ? '-' : obj.text;
  return { type: 'mrkdwn', text: truncateMrkdwn(text, max) };
}

function button(b: ButtonElement): ButtonElement | null {
  if (b.url.length > SlackLimits.buttonUrl) return null;
  return { ...b, text: plain(b.text, SlackLimits.buttonText) };
}

/** An action button whose value or ID does not fit is dropped: a cut value would act on the wrong thing. */
function actionButton(b: ActionButton): ActionButton | null {
  if (b.value.length > SlackLimits.buttonValue || b.action_id.length > SlackLimits.actionId) return null;
  const fitted: ActionButton = { ...b, text: plain(b.text, SlackLimits.buttonText) };
  if (b.confirm) {
    fitted.confirm = {
      ...b.confirm,
      title: plain(b.confirm.title, SlackLimits.confirmTitle),
      text: plain(b.confirm.text, SlackLimits.confirmText),
      confirm: plain(b.confirm.confirm, SlackLimits.confirmButton),
      deny: plain(b.confirm.deny, SlackLimits.confirmButton),
    };
  }
  return fitted;
}

/** `block_id` kept when it fits (interaction payloads name the block by it). */
function blockId(id: string | undefined): { block_id?: string } {
  return id !== undefined && id.length <= SlackLimits.blockId ? { block_id: id } : {};
}

function fitBlock(block: Block): Block | null {
  switch (block.type) {
    case 'header':
      return { type: 'header', text: plain(block.text, SlackLimits.headerText) };
    case 'section': {
      const out: Block = { type: 'section' };
      if (block.text) out.text = mrkdwn(block.text, SlackLimits.sectionText);
      if (block.fields && block.fields.length > 0) {
        let fields = block.fields;
        if (fields.length > SlackLimits.fields) {
          const extra = fields.length - (SlackLimits.fields - 1);
          fields = [
            ...fields.slice(0, SlackLimits.fields - 1),
            { type: 'mrkdwn', text: `…and ${extra} more` },
          ];
        }
        out.fields = fields.map((f) => mrkdwn(f, SlackLimits.fieldText));
      }
      if (!out.text && !out.fields) out.text = { type: 'mrkdwn', text: '-' };
      if (block.accessory) {
        const b = button(block.accessory);
        if (b) out.accessory = b;
      }
      return out;
    }
    case 'context': {
      const elements = block.elements
        .slice(0, SlackLimits.contextElements)
        .map((e) =>
          e.type === 'mrkdwn' ? mrkdwn(e, SlackLimits.contextText) : plain(e, SlackLimits.contextText),
        );
      return elements.length === 0 ? null : { type: 'context', elements, ...blockId(block.block_id) };
    }
    case 'actions': {
      const elements = block.elements
        .slice(0, SlackLimits.actionsElements)
        .map((e) => ('action_id' in e && e.url === undefined ? actionButton(e) : button(e as ButtonElement)))
        .filter((b): b is ButtonElement | ActionButton => b !== null);
      return elements.length === 0 ? null : { type: 'actions', elements, ...blockId(block.block_id) };
    }
    case 'divider':
      return block;
  }
}

/**
 * Returns a copy of `message` that satisfies every Slack limit: long texts are truncated with an
 * ellipsis, surplus fields and blocks are replaced by an "…and N more" note. Never rejects. Pure.
 */
export function fitToSlackLimits(message: SlackMessage): SlackMessage {
  let blocks = message.blocks.map(fitBlock).filter((b): b is Block => b !== null);
  if (blocks.length > SlackLimits.blocks) {
    const dropped = blocks.length - (SlackLimits.blocks - 1);
    blocks = [
      ...blocks.slice(0, SlackLimits.blocks - 1),
      { type: 'context', elements: [{ type: 'mrkdwn', text: `…and ${dropped} more blocks not shown` }] },
    ];
  }
  const text = message.text.trim() === '' ? 'nodekeeper' : message.text;
  return {
    text: truncateMrkdwn(text, SlackLimits.fallbackText),
    blocks,
    ...(message.failure ? { failure: true as const } : {}),
  };
}
