import type { GenerationDefaults } from '../model/request';
import { TURBO_TEXT_TO_VIDEO, isAnimateDiffEndpoint, type TextToVideoInput, type VideoToVideoInput } from '../model/animateDiff';
import { paramsKeysFor } from './fileKeys';

export const SAMPLE_PROMPT = 'a red fox running through fresh snow at sunrise, cinematic lighting, highly detailed';

export interface ParamsTextOptions {
  /**
   * Written as `$schema` when given. Leave it out unless VS Code can load that URL: a `$schema` it
   * cannot load replaces the schema the extension contributes for `*.animate.json`, and completion
   * and hovers are lost (the contributed association already covers every such file).
   */
  schemaUrl?: string;
}

/** A new parameter file: valid as it is, every default written out, ready to edit and run. */
export function renderNewParamsFile(defaults: GenerationDefaults, options: ParamsTextOptions & { prompt?: string } = {}): string {
  const file: Record<string, unknown> = {
    ...schemaKey(options),
    endpoint: TURBO_TEXT_TO_VIDEO,
    prompt: options.prompt?.trim() || SAMPLE_PROMPT,
    negative_prompt: defaults.negative_prompt,
    num_frames: defaults.num_frames,
    num_inference_steps: defaults.num_inference_steps,
    guidance_scale: defaults.guidance_scale,
    fps: defaults.fps,
    video_size: defaults.video_size,
    motions: [...(defaults.motions ?? [])],
  };
  if (defaults.seed !== undefined) {
    file.seed = defaults.seed;
  }
  return render(file);
}

/**
 * The exact request that was sent (seed included) as a parameter file, for "Save Parameters as
 * .animate.json": running the file sends the same body again. Keys follow the schema's order; any
 * key the schema does not know is kept (at the end), so nothing that was sent is lost.
 */
export function renderParamsFromRequest(
  endpoint: string,
  inputAsSent: TextToVideoInput | VideoToVideoInput | Readonly<Record<string, unknown>>,
  options: ParamsTextOptions = {},
): string {
  const sent: Readonly<Record<string, unknown>> = { ...inputAsSent };
  const order = paramsKeysFor(isAnimateDiffEndpoint(endpoint) ? endpoint : TURBO_TEXT_TO_VIDEO);
  const file: Record<string, unknown> = { ...schemaKey(options), endpoint };
  const sentKeys = Object.keys(sent).filter((key) => sent[key] !== undefined && key !== 'endpoint' && key !== '$schema');
  const known = order.filter((key) => sentKeys.includes(key));
  const unknown = sentKeys.filter((key) => !order.includes(key));
  for (const key of [...known, ...unknown]) {
    file[key] = sent[key];
  }
  return render(file);
}

function schemaKey(options: ParamsTextOptions): Record<string, string> {
  return options.schemaUrl ? { $schema: options.schemaUrl } : {};
}

function render(file: Record<string, unknown>): string {
  return `${JSON.stringify(file, null, 2)}\n`;
}
