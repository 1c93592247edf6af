import type * as vscode from 'vscode';
import { oneLine } from '../util/text';

/** Pure parts of exporting a video (names, choices, Markdown): no vscode at run time, unit-tested on Node. */

/** How an export is made; given in full (tests, other extensions) it asks nothing but where to save. */
export interface ExportChoice {
  readonly format: 'gif' | 'webm';
  readonly width: number;
  readonly fps: number;
  readonly loop: boolean;
  /** Where to write it; without it a save dialog asks. */
  readonly target?: vscode.Uri;
}

export function isExportChoice(value: unknown): value is ExportChoice {
  const choice = value as Partial<ExportChoice> | undefined;
  return typeof choice === 'object' && choice !== null && (choice.format === 'gif' || choice.format === 'webm')
    && typeof choice.width === 'number' && typeof choice.fps === 'number' && typeof choice.loop === 'boolean';
}

/** Widths offered for an export: the video's own, and smaller common ones. */
export function widthChoices(videoWidth: number): number[] {
  return [...new Set([videoWidth, ...[480, 320, 256, 160].filter((width) => width < videoWidth)])];
}

/** Frame rates offered: the video's own, and whole fractions of it (fewer frames, smaller file). */
export function fpsChoices(videoFps: number): number[] {
  return [...new Set([videoFps, videoFps / 2, videoFps / 4].filter((fps) => Number.isInteger(fps) && fps >= 1))];
}

/** The width Insert as Markdown uses: the video's own, at most 480 pixels (docs and chat rarely show more). */
export function markdownGifWidth(videoWidth: number): number {
  return Math.min(videoWidth, 480);
}

/** A file name from the prompt: lower-case words joined by dashes, at most about 40 characters. */
export function fileStem(prompt: string): string {
  const words = prompt.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, ' ').trim().split(' ');
  let stem = '';
  for (const word of words) {
    if (stem && stem.length + word.length + 1 > 40) {
      break;
    }
    stem = stem ? `${stem}-${word}` : word;
  }
  return stem.slice(0, 40) || 'animatediff';
}

/** `![alt](path)`: the prompt as alt text on one line with `\`, `[` and `]` escaped; a path with spaces in `<…>`. */
export function markdownImage(prompt: string, relativePath: string): string {
  const alt = oneLine(prompt).replace(/[\\[\]]/g, (character) => `\\${character}`);
  const target = /[\s()<>]/.test(relativePath) ? `<${relativePath.replace(/[<>]/g, encodeURIComponent)}>` : relativePath;
  return `![${alt}](${target})`;
}

/** A byte count as people read it: 980 B, 412 KB, 3.4 MB. */
export function formatFileSize(bytes: number): string {
  if (bytes < 1000) {
    return `${bytes} B`;
  }
  if (bytes < 1_000_000) {
    return `${Math.round(bytes / 1000)} KB`;
  }
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}
