/** "Did you mean …?" for keys and enum values: edit distance after ignoring case and separators. */

function normalise(word: string): string {
  return word.toLowerCase().replace(/[\s_\-./]/g, '');
}

/** Edit distance counting a swap of two neighbouring letters as one edit ("fsp" → "fps"). */
export function editDistance(a: string, b: string): number {
  if (a === b) {
    return 0;
  }
  let beforePrevious: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, substitution);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        current[j] = Math.min(current[j], beforePrevious[j - 2] + 1);
      }
    }
    beforePrevious = previous;
    previous = current;
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
      const wanted = normalise(candidate);
      const distance = editDistance(typed, wanted);
      const affix = typed.length >= 3 && (wanted.startsWith(typed) || wanted.endsWith(typed) || typed.startsWith(wanted));
      const close = distance <= Math.max(1, Math.floor(wanted.length / 3)) || affix;
      return { candidate, distance, close, affix, order };
    })
    // What the user typed being part of a candidate ("turbo/video-to-video") beats raw distance.
    .sort((a, b) => Number(b.affix) - Number(a.affix) || a.distance - b.distance || a.order - b.order)
    .map(({ candidate, distance, close }) => ({ candidate, distance, close }));
}

/** The closest candidate if it is close enough to be what the user meant. */
export function closestMatch(word: string, candidates: readonly string[]): string | undefined {
  const best = rankCandidates(word, candidates)[0];
  return best?.close ? best.candidate : undefined;
}
