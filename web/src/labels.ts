// The label and model names, declared once for the package, the protocol (cryscope/protocol) and,
// through it, the server; core.ts checks at compile time that they are the WASM core's.
/** The three classes, always in this order (index 0, 1, 2) — the same in models/ (LABELS) and core/ (fusion.hpp kLabels). */
export const LABELS = ['cry', 'scream', 'normal'] as const;
export type Label = (typeof LABELS)[number];
/** Labels that produce onset/offset events (normal never does). */
export const EVENT_LABELS = ['cry', 'scream'] as const;
export type EventLabel = (typeof EVENT_LABELS)[number];
export const MODEL_NAMES = ['yamnet', 'wav2vec2'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];
/** Probabilities in LABELS order. */
export type Probs = [number, number, number];
