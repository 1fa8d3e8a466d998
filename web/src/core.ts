// The package's one boundary to the WASM core: its types are those of wasm/cryscope_core.d.ts (the
// declaration shipped beside the module, as dist/core/cryscope_core.d.ts; web/scripts/build.mjs
// points the emitted declarations there). Only the slice the pipeline drives is narrowed here, so
// unit tests can drive it with fakes.
import type {
  CryscopeCore, Decider, DeciderOptions, EventLabel as CoreEventLabel, FusionMethod as CoreFusionMethod,
  Label as CoreLabel, ModelName as CoreModelName, StreamFrontEnd, StreamFrontEndOptions,
} from '../../wasm/cryscope_core.js';
import type createCore from '../../wasm/cryscope_core.js';
import type { EventLabel, Label, ModelName } from './labels.js';
import type { FusionMethod } from './options.js';

export type {
  AnalysisWindow as CoreWindow, CryscopeCore, DeciderOptions, DeciderUpdate as DeciderOutput,
  DetectionEvent as CoreEvent, FusionConfig, StreamFrontEndOptions,
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

// The package's label, model and fusion names are the core's (compile-time check both ways).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const namesAgree: [Same<Label, CoreLabel>, Same<EventLabel, CoreEventLabel>, Same<ModelName, CoreModelName>, Same<FusionMethod, CoreFusionMethod>] = [true, true, true, true];
void namesAgree;
