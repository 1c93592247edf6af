import * as assert from 'node:assert/strict';
import { closestMatch, editDistance, rankCandidates } from '../../../src/params/suggest';

const KEYS = ['prompt', 'negative_prompt', 'num_frames', 'num_inference_steps', 'guidance_scale', 'seed', 'fps', 'motions', 'video_size'];

describe('did-you-mean suggestions', () => {
  it('counts insertions, deletions, substitutions and neighbour swaps as one edit each', () => {
    assert.equal(editDistance('fps', 'fps'), 0);
    assert.equal(editDistance('fsp', 'fps'), 1);
    assert.equal(editDistance('num_frame', 'num_frames'), 1);
    assert.equal(editDistance('seeds', 'seed'), 1);
    assert.equal(editDistance('kitten', 'sitting'), 3);
    assert.equal(editDistance('', 'abc'), 3);
  });

  it('suggests keys despite case, separators, typos and missing parts', () => {
    assert.equal(closestMatch('numFrames', KEYS), 'num_frames');
    assert.equal(closestMatch('NEGATIVE-PROMPT', KEYS), 'negative_prompt');
    assert.equal(closestMatch('guidence_scale', KEYS), 'guidance_scale');
    assert.equal(closestMatch('steps', KEYS), 'num_inference_steps');
    assert.equal(closestMatch('size', KEYS), 'video_size');
    assert.equal(closestMatch('author', KEYS), undefined);
    assert.equal(closestMatch('x', KEYS), undefined);
  });

  it('closestMatch agrees with the first ranked candidate', () => {
    const words = ['prompts', 'promt', 'seeed', 'fp', 'motion', 'video', 'num', 'abcdef', 'guidance', 'sped', 'frames', 'in'];
    for (const word of words) {
      const best = rankCandidates(word, KEYS)[0];
      assert.equal(closestMatch(word, KEYS), best.close ? best.candidate : undefined, word);
    }
  });
});
