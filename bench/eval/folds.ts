/**
 * Time-block folds of the colour labels for held-out figures (docs/accuracy.md): 4 blocks per
 * clip (campus 80 s in 20 s blocks, highway 30 s in 7.5 s blocks), the photos dealt round by
 * their index. A block keeps one vehicle's passage and most walks in one fold.
 */
import type { FrameRef } from './media.js';

export const FOLDS = 4;

/** The fold of the label at `index` of its file. */
export function foldOf(label: FrameRef, index: number): number {
  if (label.tSec === undefined) return index % FOLDS;
  const block = label.media.includes('highway') ? 7.5 : 20;
  return Math.min(FOLDS - 1, Math.floor(label.tSec / block));
}
