/** "Did you mean …?" for keys and enum values: edit distance after ignoring case and separators. */

function normalise(word: string): string {
  return word.toLowerCase().replace(/[\s_\-./]/g, '');
}

/** Candidates are the same few keys and values on every keystroke; normalise each once. */
const normalisedCandidates = new Map<string, string>();

function normalisedCandidate(candidate: string): string {
  let normalised = normalisedCandidates.get(candidate);
  if (normalised === undefined) {
    normalised = normalise(candidate);
    if (normalisedCandidates.size < 1000) {
      normalisedCandidates.set(candidate, normalised);
    }
  }
  return normalised;
}

/** Edit distance counting a swap of two neighbouring letters as one edit ("fsp" → "fps"). */
export function editDistance(a: string, b: string): number {
  if (a === b) {
    return 0;
  }
  // Three rolling rows: the one before the previous is needed for swaps.
  let older = new Uint32Array(b.length + 1);
  let previous = new Uint32Array(b.length + 1);
  let current = new Uint32Array(b.length + 1);
  for (let j = 0; j <= b.length; j++) {
    previous[j] = j;
  }
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1] + (a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1);
      let best = Math.min(previous[j] + 1, current[j - 1] + 1, substitution);
      if (i > 1 && j > 1 && a.charCodeAt(i - 1) === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === b.charCodeAt(j - 1)) {
        best = Math.min(best, older[j - 2] + 1);
      }
      current[j] = best;
    }
    [older, previous, current] = [previous, current, older];
  }
  return previous[b.length];
}

export interface RankedCandidate {
  candidate: string;
  distance: number;
  /** Close enough to suggest with "Did you mean". */
  close: boolean;
}

/** Every candidate, closest first (ties keep the candidates' order). */
export function rankCandidates(word: string, candidates: readonly string[]): RankedCandidate[] {
  // Comparing very long input (a pasted paragraph) with short keys is pointless and slow.
  const typed = normalise(word.slice(0, 200));
  return candidates
    .map((candidate, order) => {
      const wanted = normalisedCandidate(candidate);
      const distance = editDistance(typed, wanted);
      const affix = isAffix(typed, wanted);
      const close = distance <= closeThreshold(wanted) || affix;
      return { candidate, distance, close, affix, order };
    })
    // What the user typed being part of a candidate ("turbo/video-to-video") beats raw distance.
    .sort((a, b) => Number(b.affix) - Number(a.affix) || a.distance - b.distance || a.order - b.order)
    .map(({ candidate, distance, close }) => ({ candidate, distance, close }));
}

/** The closest candidate if it is close enough to be what the user meant (same order as rankCandidates). */
export function closestMatch(word: string, candidates: readonly string[]): string | undefined {
  const typed = normalise(word.slice(0, 200));
  // Only close candidates matter here, and a length difference beyond the threshold rules one out
  // without computing its distance.
  const close = candidates.filter((candidate) => {
    const wanted = normalisedCandidate(candidate);
    return isAffix(typed, wanted) || Math.abs(wanted.length - typed.length) <= closeThreshold(wanted);
  });
  const best = rankCandidates(word, close)[0];
  return best?.close ? best.candidate : undefined;
}

function closeThreshold(wanted: string): number {
  return Math.max(1, Math.floor(wanted.length / 3));
}

function isAffix(typed: string, wanted: string): boolean {
  return typed.length >= 3 && (wanted.startsWith(typed) || wanted.endsWith(typed) || typed.startsWith(wanted));
}
