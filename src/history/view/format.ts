import { jobStateText } from '../../generation/jobText';
import { MODEL_DEFAULTS, videoSizePixels } from '../../model/animateDiff';
import { seedOf } from '../../model/generation';
import { formatMoney, priceUnknown } from '../../model/price';
import { oneLine, shorten } from '../../util/text';
import { INTERRUPTED_ERROR_KIND, isUnfinished, LOST_ERROR_KIND, type HistoryEntry } from '../store/entry';
import { dateTimeFormat, displayLocale, formatNumber, l10n, relativeTimeFormat } from '../../l10n/l10n';

/*
 * How a history entry reads in the History view, its tooltip and its log document. Pure: no vscode import.
 */

/** Short enough that the description's start (seed, age) shows beside it in a default-width sidebar. */
export const LABEL_LENGTH = 18;

export function promptOf(entry: HistoryEntry): string {
  return entry.input.prompt ?? '';
}

/** How messages and progress name a generation: its prompt on one line, as long as a fresh generation's name. */
export function entryName(entry: HistoryEntry): string {
  return shorten(promptOf(entry), 48) || l10n.t('(no prompt)');
}

/**
 * What went wrong with a generation (or, when it is done, what is missing), in the display language. A failure of
 * our own with nothing but the entry in it is stored as a kind and put in words here, since the history file is
 * read later, perhaps in another language; the stored message (English) is for older versions of the extension.
 */
export function errorText(entry: HistoryEntry): string | undefined {
  const error = entry.error;
  if (!error) {
    return undefined;
  }
  switch (error.kind) {
    case INTERRUPTED_ERROR_KIND:
      return l10n.t('VS Code closed or reloaded before fal accepted the job, so it never started.');
    case LOST_ERROR_KIND:
      return l10n.t('fal no longer knows this job (request {0}), so it could not be picked up again after the reload. Re-run it to generate the video.', entry.requestId ?? l10n.t('unknown'));
    default:
      return error.message;
  }
}

/** The item's label: the prompt on one line, shortened. */
export function entryLabel(entry: HistoryEntry): string {
  return shorten(promptOf(entry), LABEL_LENGTH) || l10n.t('(no prompt)');
}

/** The video's size in pixels; fal's default when the request does not say. */
export function sizeOf(entry: HistoryEntry): { width: number; height: number } {
  return videoSizePixels(entry.input.video_size ?? MODEL_DEFAULTS.video_size);
}

/** `queued #2`, `running`, `done`, …: an unfinished job in the words of {@link jobStateText}. */
export function statusText(entry: HistoryEntry): string {
  if (isUnfinished(entry)) {
    return jobStateText({ state: entry.status, queuePosition: entry.queuePosition });
  }
  switch (entry.status) {
    case 'done':
      return l10n.t('done');
    case 'failed':
      return l10n.t('failed');
    case 'cancelled':
      return l10n.t('cancelled');
    default:
      return entry.status;
  }
}

/** How long the job took (or has taken so far, while it runs); undefined when not known. */
export function durationMs(entry: HistoryEntry, now: number): number | undefined {
  if (entry.status === 'submitting' || entry.status === 'queued' || entry.status === 'running') {
    return Math.max(0, now - entry.createdAt);
  }
  if (entry.timings.totalMs !== undefined) {
    return entry.timings.totalMs;
  }
  return entry.timings.completedAt !== undefined ? Math.max(0, entry.timings.completedAt - entry.createdAt) : undefined;
}

/** `6.2 s`, `42 s`, `3 min`, `2 min 5 s`: numbers in the display language's digits and separators. */
export function formatDuration(ms: number, locale = displayLocale()): string {
  const seconds = ms / 1000;
  if (seconds < 10) {
    return l10n.t('{0} s', formatNumber(seconds, locale, 1));
  }
  if (seconds < 60) {
    return l10n.t('{0} s', formatNumber(Math.round(seconds), locale, 0));
  }
  const minutes = Math.floor(seconds / 60);
  const rest = Math.round(seconds - minutes * 60);
  return rest === 0
    ? l10n.t('{0} min', formatNumber(minutes, locale, 0))
    : l10n.t('{0} min {1} s', formatNumber(minutes, locale, 0), formatNumber(rest, locale, 0));
}

/** `just now`, `5 min. ago`, `3 hr. ago`, `yesterday`, `4 days ago` (Intl.RelativeTimeFormat), then the date. */
export function formatRelativeTime(time: number, now: number, locale = displayLocale()): string {
  const seconds = Math.max(0, Math.round((now - time) / 1000));
  if (seconds < 45) {
    return l10n.t('just now');
  }
  const relative = relativeTimeFormat(locale);
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) {
    return relative.format(-minutes, 'minute');
  }
  const hours = Math.round(minutes / 60);
  if (hours < 24) {
    return relative.format(-hours, 'hour');
  }
  const days = Math.round(hours / 24);
  if (days < 7) {
    return relative.format(-days, 'day');
  }
  return dateTimeFormat(locale, { year: 'numeric', month: 'short', day: 'numeric' }).format(time);
}

export function formatBytes(bytes: number, locale = displayLocale()): string {
  if (bytes < 1024) {
    return l10n.t('{0} B', formatNumber(bytes, locale, 0));
  }
  if (bytes < 1024 * 1024) {
    return l10n.t('{0} KB', formatNumber(bytes / 1024, locale, bytes < 10 * 1024 ? 1 : 0));
  }
  if (bytes < 1024 * 1024 * 1024) {
    return l10n.t('{0} MB', formatNumber(bytes / (1024 * 1024), locale, 1));
  }
  return l10n.t('{0} GB', formatNumber(bytes / (1024 * 1024 * 1024), locale, 2));
}

/** An exact point in time, for the log document: date and time with seconds and the time zone. */
export function formatDateTime(time: number, locale = displayLocale()): string {
  return dateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'long' }).format(time);
}

/**
 * The item's description, what tells variations of one prompt apart first: the status (unless done, which its
 * icon says), seed, when, then size and how long.
 */
export function entryDescription(entry: HistoryEntry, now: number, locale?: string): string {
  const parts = entry.status === 'done' ? [] : [statusText(entry)];
  const seed = seedOf(entry);
  if (seed !== undefined) {
    parts.push(l10n.t('seed {0}', seed));
  }
  parts.push(formatRelativeTime(entry.createdAt, now, locale));
  const size = sizeOf(entry);
  parts.push(`${size.width}×${size.height}`);
  const duration = durationMs(entry, now);
  if (duration !== undefined) {
    parts.push(formatDuration(duration));
  }
  return parts.join(' · ');
}

/**
 * What a finished job is expected to have cost: `$0.01 ($0.01 per video at fal's listed price)`, `price unknown (why)`;
 * undefined while it runs, and for jobs that did not finish.
 */
export function priceText(entry: HistoryEntry): string | undefined {
  if (entry.status !== 'done') {
    return undefined;
  }
  const charge = entry.charge;
  if (!charge) {
    return l10n.t('{0} (not recorded by the version that made it)', priceUnknown());
  }
  if ('unknown' in charge) {
    return l10n.t('{0} ({1})', priceUnknown(), charge.unknown);
  }
  return l10n.t('{0} ({1} per {2} at fal\'s listed price)', formatMoney(charge.amount, charge.currency), formatMoney(charge.unitPrice, charge.currency), charge.unit);
}

/** What a screen reader says for the item: the whole prompt, the status (done included), then the description. */
export function entryAccessibilityLabel(entry: HistoryEntry, description: string): string {
  return entry.status === 'done'
    ? l10n.t('{0}, done, {1}', oneLine(promptOf(entry)), description)
    : l10n.t('{0}, {1}', oneLine(promptOf(entry)), description);
}

/** Whether the entry matches every word of the filter (prompt, negative prompt, seed, status, error, request id, file). */
export function matchesFilter(entry: HistoryEntry, filter: string): boolean {
  const words = filter.toLowerCase().split(/\s+/).filter((word) => word !== '');
  if (words.length === 0) {
    return true;
  }
  const haystack = [
    promptOf(entry),
    entry.input.negative_prompt ?? '',
    String(seedOf(entry) ?? ''),
    statusText(entry),
    errorText(entry) ?? '',
    entry.requestId ?? '',
    entry.source.file ?? '',
    entry.endpoint,
  ].join('\n').toLowerCase();
  return words.every((word) => haystack.includes(word));
}

/** Where the prompt came from, for people. */
export function sourceText(entry: HistoryEntry): string {
  const file = entry.source.file ? decodeURIComponent(entry.source.file.replace(/^.*\//, '')) : undefined;
  switch (entry.source.kind) {
    case 'selection':
      return file ? l10n.t('selection in {0}', file) : l10n.t('editor selection');
    case 'prompt':
      return l10n.t('prompt box');
    case 'file':
      return file ? l10n.t('parameter file {0}', file) : l10n.t('parameter file');
    case 'rerun':
      return l10n.t('re-run');
  }
}

/** The read-only log document of one job: what was sent, what happened, and fal's last log lines. */
export function logDocumentText(entry: HistoryEntry, localVideoPath: string | undefined): string {
  const fields: Array<[string, string]> = [];
  fields.push([l10n.t('Prompt:'), oneLine(promptOf(entry))]);
  fields.push([l10n.t('Status:'), statusText(entry)]);
  if (entry.error) {
    fields.push([l10n.t('Error:'), `${errorText(entry) ?? ''} (${entry.error.kind})`]);
  }
  fields.push([l10n.t('Endpoint:'), entry.endpoint]);
  fields.push([l10n.t('Request id:'), entry.requestId ?? l10n.t('(fal had not accepted it)')]);
  fields.push([l10n.t('Created:'), formatDateTime(entry.createdAt)]);
  if (entry.timings.completedAt !== undefined) {
    fields.push([l10n.t('Completed:'), formatDateTime(entry.timings.completedAt)]);
  }
  if (entry.timings.totalMs !== undefined) {
    const took = formatDuration(entry.timings.totalMs);
    const inference = entry.timings.inferenceSeconds;
    fields.push([l10n.t('Took:'), inference === undefined ? took : l10n.t('{0} (inference {1} s)', took, formatNumber(inference, displayLocale(), 2))]);
  }
  const seed = seedOf(entry);
  if (seed !== undefined) {
    fields.push([l10n.t('Seed:'), String(seed)]);
  }
  if (localVideoPath) {
    fields.push([l10n.t('Local copy:'), entry.video ? `${localVideoPath} (${formatBytes(entry.video.bytes)})` : localVideoPath]);
  } else if (entry.videoPruned) {
    fields.push([l10n.t('Local copy:'), l10n.t('deleted to stay within the history limits')]);
  }
  if (entry.remoteVideoUrl) {
    fields.push([l10n.t('fal\'s video:'), entry.remoteVideoUrl]);
  }
  const width = Math.max(...fields.map(([label]) => label.length)) + 1;
  const lines = [l10n.t('AnimateDiff generation {0}', entry.id), ...fields.map(([label, value]) => `${label.padEnd(width)}${value}`)];
  lines.push('');
  lines.push(l10n.t('Request as sent:'));
  lines.push(JSON.stringify(entry.input, null, 2));
  lines.push('');
  const logs = entry.logs ?? [];
  lines.push(logs.length > 0 ? l10n.t('fal log (last {0} lines):', logs.length) : l10n.t('fal log: no lines yet.'));
  lines.push(...logs);
  return `${lines.join('\n')}\n`;
}
