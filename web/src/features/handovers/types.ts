/** The handover shapes, named from the generated API schema (api/models.ts). */
import type { Handover, HandoverPreview, HandoverSummary } from '../../api/models';

export type { Handover, HandoverSummary };
export type Preview = HandoverPreview;
export type Direction = Handover['direction'];
export type HandoverStatus = Handover['status'];
export type HandoverSim = Handover['simcards'][number];
