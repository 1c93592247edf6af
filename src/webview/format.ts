import type { GenerationView, PanelStrings } from '../shared/protocol';

/** Display formatting for the panel. Pure (no DOM) so it is tested on Node. */

/** Replaces `{0}`, `{1}`, … with the values; unknown placeholders stay as they are. */
export function fillTemplate(template: string, ...values: string[]): string {
  return template.replace(/\{(\d+)\}/g, (placeholder, index: string) => values[Number(index)] ?? placeholder);
}

function numberFormat(locale: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  try {
    return new Intl.NumberFormat(locale, options);
  } catch {
    return new Intl.NumberFormat(undefined, options);
  }
}

export function formatNumber(value: number, locale: string, maximumFractionDigits = 2, minimumFractionDigits = 0): string {
  return numberFormat(locale, { maximumFractionDigits, minimumFractionDigits }).format(value);
}

/** "0.8 s", "12.3 s", "2 min 5 s". */
export function formatSeconds(seconds: number, locale: string, strings: PanelStrings): string {
  const tenths = Math.round(seconds * 10) / 10;
  if (tenths < 60) {
    return fillTemplate(strings.secondsValue, formatNumber(tenths, locale, 1, 1));
  }
  const wholeSeconds = Math.round(seconds);
  return fillTemplate(strings.minutesSecondsValue, formatNumber(Math.floor(wholeSeconds / 60), locale, 0), formatNumber(wholeSeconds % 60, locale, 0));
}

export function formatMilliseconds(milliseconds: number, locale: string, strings: PanelStrings): string {
  return formatSeconds(milliseconds / 1000, locale, strings);
}

/** "Square · 512 × 512"; a size without a known name shows its label as is. */
export function formatSize(size: GenerationView['size'], locale: string, strings: PanelStrings): string {
  const name = strings.sizeNames[size.label] ?? size.label;
  return fillTemplate(strings.sizeValue, name, formatNumber(size.width, locale, 0), formatNumber(size.height, locale, 0));
}

/** "16 (2.0 s of video)" when the frame rate is known, else just the count. */
export function formatFrames(frames: number, fps: number | null, locale: string, strings: PanelStrings): string {
  const count = formatNumber(frames, locale, 0);
  return fps !== null && fps > 0 ? fillTemplate(strings.framesValue, count, formatSeconds(frames / fps, locale, strings)) : count;
}

/** Seeds are identifiers that people copy: digits only, no grouping separators. */
export function formatSeed(seed: number): string {
  return seed.toFixed(0);
}
