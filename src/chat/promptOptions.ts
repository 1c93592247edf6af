import { VIDEO_SIZE_NAMES } from '../model/animateDiff';

/**
 * The chat participant's prompt: a description with optional `key=value` settings anywhere in it —
 * `a fox in the snow frames=32 size=landscape_16_9 seed=7`. Pure (no vscode, no zod): unit-tested on Node. The values
 * are checked afterwards with the parameter-file model, like every other input.
 */

/** The chat words for the parameter-file fields, shortest first. */
const KEYS: Readonly<Record<string, string>> = {
  frames: 'num_frames',
  num_frames: 'num_frames',
  steps: 'num_inference_steps',
  num_inference_steps: 'num_inference_steps',
  guidance: 'guidance_scale',
  cfg: 'guidance_scale',
  guidance_scale: 'guidance_scale',
  seed: 'seed',
  fps: 'fps',
  size: 'video_size',
  video_size: 'video_size',
  motion: 'motions',
  motions: 'motions',
  variations: 'variations',
  negative: 'negative_prompt',
  negative_prompt: 'negative_prompt',
};

/** The short key each field is written back with (follow-ups, the response). */
const SHORT_KEYS: Readonly<Record<string, string>> = {
  num_frames: 'frames',
  num_inference_steps: 'steps',
  guidance_scale: 'guidance',
  seed: 'seed',
  fps: 'fps',
  video_size: 'size',
  motions: 'motions',
  variations: 'variations',
  negative_prompt: 'negative',
};

const OPTION = /(?:^|\s)([a-z_]+)=("(?:[^"\\]|\\.)*"|\S+)/gi;

export interface ParsedChatPrompt {
  /** The description without its settings. */
  readonly prompt: string;
  /** Field → value, as typed (numbers as numbers where they look like one). */
  readonly fields: Readonly<Record<string, unknown>>;
}

export function parseChatPrompt(text: string): ParsedChatPrompt {
  const fields: Record<string, unknown> = {};
  const prompt = text.replace(OPTION, (whole: string, key: string, raw: string) => {
    const field = KEYS[key.toLowerCase()];
    if (!field) {
      return whole;
    }
    fields[field] = valueOf(field, raw);
    return ' ';
  });
  return { prompt: prompt.replace(/\s+/g, ' ').trim(), fields };
}

function valueOf(field: string, raw: string): unknown {
  const text = raw.startsWith('"') && raw.endsWith('"') && raw.length >= 2 ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw;
  switch (field) {
    case 'negative_prompt':
      return text;
    case 'motions':
      return text === '' || text === 'none' ? [] : text.split(',').map((motion) => motion.trim()).filter((motion) => motion !== '');
    case 'video_size': {
      const pixels = /^(\d+)x(\d+)$/i.exec(text);
      if (pixels) {
        return { width: Number(pixels[1]), height: Number(pixels[2]) };
      }
      const named = text.toLowerCase();
      // `landscape` and `portrait` are the 16:9 presets; `hd` the large square.
      const aliases: Readonly<Record<string, string>> = { landscape: 'landscape_16_9', portrait: 'portrait_16_9', hd: 'square_hd' };
      return aliases[named] ?? named;
    }
    case 'seed':
      if (text === 'random' || text === 'null') {
        return null;
      }
      return text.includes(',') ? text.split(',').map(numberOrText) : numberOrText(text);
    default:
      return numberOrText(text);
  }
}

function numberOrText(text: string): unknown {
  const value = Number(text.trim());
  return text.trim() !== '' && Number.isFinite(value) ? value : text;
}

/** A prompt and fields as the chat reads them back: `a fox in the snow frames=32 size=landscape_16_9`. */
export function formatChatPrompt(prompt: string, fields: Readonly<Record<string, unknown>>): string {
  const parts = [prompt.trim()];
  for (const [field, key] of Object.entries(SHORT_KEYS)) {
    const value = fields[field];
    if (value === undefined || (Array.isArray(value) && value.length === 0 && field === 'motions')) {
      continue;
    }
    parts.push(`${key}=${formatValue(value)}`);
  }
  return parts.join(' ');
}

function formatValue(value: unknown): string {
  if (Array.isArray(value)) {
    return value.map(String).join(',');
  }
  if (typeof value === 'object' && value !== null && 'width' in value && 'height' in value) {
    return `${String((value as { width: unknown }).width)}x${String((value as { height: unknown }).height)}`;
  }
  if (value === null) {
    return 'random';
  }
  const text = String(value);
  return /\s|"/.test(text) ? `"${text.replace(/(["\\])/g, '\\$1')}"` : text;
}

/** The size presets, for the participant's help text. */
export const SIZE_WORDS = [...VIDEO_SIZE_NAMES, 'landscape', 'portrait', 'WIDTHxHEIGHT'];
