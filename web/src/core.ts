// The package's one boundary to the WASM core: its types are those of wasm/cryscope_core.d.ts (the
// declaration shipped beside the module, as dist/core/cryscope_core.d.ts; web/scripts/build.mjs
// points the emitted declarations there). Only the slice the pipeline drives is narrowed here, so
// unit tests can drive it with fakes.
import type {
  Decider, DeciderOptions, EventLabel as CoreEventLabel, Label as CoreLabel, ModelName as CoreModelName,
  StreamFrontEnd, StreamFrontEndOptions,
} from '../../wasm/cryscope_core.js';
import type createCore from '../../wasm/cryscope_core.js';
import type { EventLabel, Label, ModelName } from './labels.js';

export type {
  AnalysisWindow as CoreWindow, CryscopeCore, DeciderOptions, DeciderUpdate as DeciderOutput,
  DetectionEvent as CoreEvent, FusionConfig, FusionMethod as CoreFusionMethod, StreamFrontEndOptions,
} from '../../wasm/cryscope_core.js';

export type CreateCore = typeof createCore;

/** The StreamFrontEnd methods the pipeline uses. */
export type FrontEndLike = Pick<StreamFrontEnd, 'push' | 'pop' | 'flush' | 'reset'> & { delete?(): void };
/** The Decider methods the pipeline uses. */
export type DeciderLike = Pick<Decider, 'update' | 'flush' | 'reset'> & { delete?(): void };
export type DeciderInput = Parameters<Decider['update']>[0];

/**
 * What the package passes to the core's constructors: every setting, always — the core's own
 * defaults (core/include/cryscope/*.hpp) are never relied on, the model manifest's are used.
 * (maxPendingSeconds is the core's memory cap, not a detection setting.)
 */
export type FrontEndConfig = Required<Omit<StreamFrontEndOptions, 'maxPendingSeconds'>>;
export type DeciderConfig = Required<DeciderOptions>;

/** true when A and B are the same type (for compile-time agreement checks). */
export type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
// The package's label and model names are the core's (compile-time check both ways; options.ts
// checks the fusion method names).
const namesAgree: [Same<Label, CoreLabel>, Same<EventLabel, CoreEventLabel>, Same<ModelName, CoreModelName>] = [true, true, true];
void namesAgree;
