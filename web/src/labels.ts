/** The three classes, always in this order (index 0, 1, 2) — shared contract with models/ and core/. */
export const LABELS = ['cry', 'scream', 'normal'] as const;
export type Label = (typeof LABELS)[number];
/** Labels that produce onset/offset events (normal never does). */
export type EventLabel = 'cry' | 'scream';
export type ModelName = 'yamnet' | 'wav2vec2';
export const MODEL_NAMES: readonly ModelName[] = ['yamnet', 'wav2vec2'];
/** Probabilities in LABELS order. */
export type Probs = [number, number, number];
