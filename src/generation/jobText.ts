import type { RunningJobState } from '../model/generation';
import { shorten } from '../util/text';

/**
 * The one wording of where a job is: short for lists (the History view, the status bar, the running-jobs pick),
 * as a sentence for progress (the notification, a batch grid's tiles). Queue positions are fal's, counted from 0.
 */
export interface JobProgress {
  readonly state: RunningJobState;
  readonly queuePosition?: number | undefined;
  /** fal has made the video; it is being saved. */
  readonly resultReady?: boolean;
  readonly lastLog?: string | undefined;
}

/** `submitting`, `queued #2`, `running`, `saving the video`. */
export function jobStateText(job: JobProgress): string {
  if (job.resultReady) {
    return 'saving the video';
  }
  switch (job.state) {
    case 'submitting':
      return 'submitting';
    case 'queued':
      return job.queuePosition !== undefined ? `queued #${job.queuePosition + 1}` : 'queued';
    case 'running':
      return 'running';
  }
}

/** `Submitting to fal…`, `In fal's queue — position 2`, `Generating — step 3/4`, `Saving the video…`. */
export function jobProgressText(job: JobProgress, options: { logLength?: number } = {}): string {
  if (job.resultReady) {
    return 'Saving the video…';
  }
  switch (job.state) {
    case 'submitting':
      return 'Submitting to fal…';
    case 'queued':
      return job.queuePosition !== undefined ? `In fal's queue — position ${job.queuePosition + 1}` : 'In fal\'s queue…';
    case 'running':
      return job.lastLog ? `Generating — ${options.logLength ? shorten(job.lastLog, options.logLength) : job.lastLog}` : 'Generating…';
  }
}
