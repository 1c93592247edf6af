/** What a parameter-file run did, video by video (returned by the commands; the integration suite reads it). */
export interface ParamsRunItem {
  /** The parameter file (URI string). */
  file: string;
  label: string;
  seed: number;
  state: 'done' | 'failed' | 'cancelled' | 'skipped';
  /** The saved video and its result record (URI strings). */
  video?: string;
  record?: string;
  requestId?: string;
  generationId?: string;
  reason?: string;
}

export interface ParamsRunReport {
  /** False when nothing was sent: an invalid file, a refused path, no key, the user declined. */
  started: boolean;
  reason?: string;
  items: ParamsRunItem[];
}

export function notStarted(reason: string): ParamsRunReport {
  return { started: false, reason, items: [] };
}
