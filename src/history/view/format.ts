import { jobStateText } from '../../generation/jobText';
import { MODEL_DEFAULTS, videoSizePixels } from '../../model/animateDiff';
import { seedOf } from '../../model/generation';
import { oneLine, shorten } from '../../util/text';
import { isUnfinished, type HistoryEntry } from '../store/entry';

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
  return shorten(promptOf(entry), 48) || '(no prompt)';
}

/** The item's label: the prompt on one line, shortened. */
export function entryLabel(entry: HistoryEntry): string {
  return shorten(promptOf(entry), LABEL_LENGTH) || '(no prompt)';
}

/** The video's size in pixels; fal's default when the request does not say. */
export function sizeOf(entry: HistoryEntry): { width: number; height: number } {
  return videoSizePixels(entry.input.video_size ?? MODEL_DEFAULTS.video_size);
}

/** `queued #2`, `running`, `done`, …: an unfinished job in the words of {@link jobStateText}. */
export function statusText(entry: HistoryEntry): string {
  return isUnfinished(entry) ? jobStateText({ state: entry.status, queuePosition: entry.queuePosition }) : entry.status;
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

export function formatDuration(ms: number): string {
  const seconds = ms / 1000;
  if (seconds < 10) {
    return `${seconds.toFixed(1)} s`;
  }
  if (seconds < 60) {
    return `${Math.round(seconds)} s`;
  }
  const minutes = Math.floor(seconds / 60);
  const rest = Math.round(seconds - minutes * 60);
  return rest === 0 ? `${minutes} min` : `${minutes} min ${rest} s`;
}

/** `just now`, `5 min ago`, `3 h ago`, `yesterday`, `4 days ago`, then the date. */
export function formatRelativeTime(time: number, now: number, locale?: string): string {
  const seconds = Math.max(0, Math.round((now - time) / 1000));
  if (seconds < 45) {
    return 'just now';
  }
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) {
    return `${minutes} min ago`;
  }
  const hours = Math.round(minutes / 60);
  if (hours < 24) {
    return `${hours} h ago`;
  }
  const days = Math.round(hours / 24);
  if (days === 1) {
    return 'yesterday';
  }
  if (days < 7) {
    return `${days} days ago`;
  }
  return new Date(time).toLocaleDateString(locale, { year: 'numeric', month: 'short', day: 'numeric' });
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) {
    return `${bytes} B`;
  }
  if (bytes < 1024 * 1024) {
    return `${(bytes / 1024).toFixed(bytes < 10 * 1024 ? 1 : 0)} KB`;
  }
  if (bytes < 1024 * 1024 * 1024) {
    return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
  }
  return `${(bytes / (1024 * 1024 * 1024)).toFixed(2)} GB`;
}

/**
 * The item's description, what tells variations of one prompt apart first: the status (unless done, which its
 * icon says), seed, when, then size and how long.
 */
export function entryDescription(entry: HistoryEntry, now: number, locale?: string): string {
  const parts = entry.status === 'done' ? [] : [statusText(entry)];
  const seed = seedOf(entry);
  if (seed !== undefined) {
    parts.push(`seed ${seed}`);
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

/** What a screen reader says for the item: the whole prompt, the status (done included), then the description. */
export function entryAccessibilityLabel(entry: HistoryEntry, now: number, locale?: string): string {
  const description = entryDescription(entry, now, locale);
  return entry.status === 'done' ? `${oneLine(promptOf(entry))}, done, ${description}` : `${oneLine(promptOf(entry))}, ${description}`;
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
    entry.error?.message ?? '',
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
      return file ? `selection in ${file}` : 'editor selection';
    case 'prompt':
      return 'prompt box';
    case 'file':
      return file ? `parameter file ${file}` : 'parameter file';
    case 'rerun':
      return 're-run';
  }
}

/** The read-only log document of one job: what was sent, what happened, and fal's last log lines. */
export function logDocumentText(entry: HistoryEntry, localVideoPath: string | undefined): string {
  const lines: string[] = [];
  lines.push(`AnimateDiff generation ${entry.id}`);
  lines.push(`Prompt:      ${oneLine(promptOf(entry))}`);
  lines.push(`Status:      ${statusText(entry)}`);
  if (entry.error) {
    lines.push(`Error:       ${entry.error.message} (${entry.error.kind})`);
  }
  lines.push(`Endpoint:    ${entry.endpoint}`);
  lines.push(`Request id:  ${entry.requestId ?? '(fal had not accepted it)'}`);
  lines.push(`Created:     ${new Date(entry.createdAt).toISOString()}`);
  if (entry.timings.completedAt !== undefined) {
    lines.push(`Completed:   ${new Date(entry.timings.completedAt).toISOString()}`);
  }
  if (entry.timings.totalMs !== undefined) {
    lines.push(`Took:        ${formatDuration(entry.timings.totalMs)}${entry.timings.inferenceSeconds !== undefined ? ` (inference ${entry.timings.inferenceSeconds.toFixed(2)} s)` : ''}`);
  }
  const seed = seedOf(entry);
  if (seed !== undefined) {
    lines.push(`Seed:        ${seed}`);
  }
  if (localVideoPath) {
    lines.push(`Local copy:  ${localVideoPath}${entry.video ? ` (${formatBytes(entry.video.bytes)})` : ''}`);
  } else if (entry.videoPruned) {
    lines.push('Local copy:  deleted to stay within the history limits');
  }
  if (entry.remoteVideoUrl) {
    lines.push(`fal's video: ${entry.remoteVideoUrl}`);
  }
  lines.push('');
  lines.push('Request as sent:');
  lines.push(JSON.stringify(entry.input, null, 2));
  lines.push('');
  const logs = entry.logs ?? [];
  lines.push(logs.length > 0 ? `fal log (last ${logs.length} lines):` : 'fal log: no lines yet.');
  lines.push(...logs);
  return `${lines.join('\n')}\n`;
}
