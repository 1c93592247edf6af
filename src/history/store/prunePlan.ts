export interface PruneLimits {
  /** How many local videos to keep. Omitted or not finite: no limit. 0 keeps none. */
  maxVideos?: number;
  /** How many bytes of local videos to keep in total. Omitted or not finite: no limit. */
  maxTotalBytes?: number;
}

export interface PrunedVideo {
  id: string;
  /** Relative to the store folder, as it was in the entry. */
  file: string;
  bytes: number;
}

/** What pruning weighs of an entry: when it was made and its local copy, if it has one. */
export interface PruneCandidate {
  id: string;
  createdAt: number;
  video?: { file: string; bytes: number };
}

export interface PruneResult {
  /** Oldest first. */
  pruned: PrunedVideo[];
  freedBytes: number;
  /** What is left on disk. */
  remainingVideos: number;
  remainingBytes: number;
}

function limitOf(value: number | undefined): number {
  return value === undefined || !Number.isFinite(value) ? Infinity : Math.max(0, Math.floor(value));
}

/**
 * Decides which local videos to delete so the rest fit the limits: the oldest go first, and only videos (an
 * entry keeps its parameters). Videos in `protect` (e.g. the one a panel shows, or a job just finished) are kept
 * and still count towards the limits.
 */
export function planPrune(entries: readonly PruneCandidate[], limits: PruneLimits, protect: ReadonlySet<string> = new Set()): PruneResult {
  const maxVideos = limitOf(limits.maxVideos);
  const maxBytes = limitOf(limits.maxTotalBytes);
  const withVideo = entries
    .filter((entry): entry is PruneCandidate & { video: NonNullable<PruneCandidate['video']> } => entry.video !== undefined)
    .map((entry, index) => ({ entry, index }))
    // Oldest first; among equal times the later one in the newest-first list is older.
    .sort((a, b) => a.entry.createdAt - b.entry.createdAt || b.index - a.index)
    .map(({ entry }) => entry);

  let count = withVideo.length;
  let bytes = withVideo.reduce((sum, entry) => sum + entry.video.bytes, 0);
  const pruned: PrunedVideo[] = [];
  for (const entry of withVideo) {
    if (count <= maxVideos && bytes <= maxBytes) {
      break;
    }
    if (protect.has(entry.id)) {
      continue;
    }
    pruned.push({ id: entry.id, file: entry.video.file, bytes: entry.video.bytes });
    count -= 1;
    bytes -= entry.video.bytes;
  }
  return { pruned, freedBytes: pruned.reduce((sum, video) => sum + video.bytes, 0), remainingVideos: count, remainingBytes: bytes };
}
