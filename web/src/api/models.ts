/**
 * Names for the API's shapes, all taken from the generated schema (generated/schema.ts, built
 * from the server's own declarations): nothing here is written by hand but the name.
 */
import type { components, paths } from './generated/schema';

type Schemas = components['schemas'];

/** The query parameters of `GET path`: `QueryOf<'/shops'>['sort']`. */
export type QueryOf<P extends keyof paths> = paths[P] extends { get: { parameters: { query?: infer Q } } } ? NonNullable<Q> : never;

/** The JSON body of `method path`: `BodyOf<'/shops/{id}', 'put'>`. */
export type BodyOf<P extends keyof paths, M extends 'post' | 'put' | 'patch' | 'delete'> = paths[P] extends {
  [K in M]: { requestBody?: { content: { 'application/json': infer B } } };
}
  ? B
  : never;

/** Every list answers `{ data, total, limit, offset }`. */
export interface Page<T> {
  data: T[];
  total: number;
  limit: number;
  offset: number;
}

export type User = Schemas['User'];
export type Role = User['role'];
export type Session = Schemas['LoginResponse'];
export type Shop = Schemas['Shop'];
export type Simcard = Schemas['Simcard'];
export type SimStatus = Simcard['status'];
export type ProviderStatus = NonNullable<Simcard['provider_status']>;
export type CheckResult = Schemas['CheckResult'];
export type CheckRun = Schemas['CheckRun'];
export type RunStatus = CheckRun['status'];
export type ImportProblem = Schemas['ImportProblem'];
export type ImportReport = Schemas['ImportReport'];
export type ImportSummary = Schemas['ImportSummary'];
export type ActivationReportAnswer = Schemas['ActivationReportAnswer'];
export type ActivationReportDiscrepancy = Schemas['ActivationReportDiscrepancy'];
export type SkippedSimcard = Schemas['SkippedSimcard'];
export type SkipReason = SkippedSimcard['reason'];
export type AssignResult = Schemas['AssignResult'];
export type UnassignResult = Schemas['UnassignResult'];
export type SimcardHistory = Schemas['SimcardHistory'];
export type HistoryEvent = Schemas['SimcardHistoryEvent'];
export type StatusChangeLog = Schemas['StatusChangeLog'];
export type ApiKey = Schemas['ApiKey'];
export type Statistics = Schemas['Statistics'];
export type StatusCounts = Statistics['simcards']['by_status'];
export type ShopFigures = Schemas['ShopFigures'];
export type ShopStats = Schemas['ShopStats'];
export type DaySales = ShopStats['sold_per_day'][number];
export type HandoverSummary = Schemas['HandoverSummary'];
export type Handover = Schemas['Handover'];
export type HandoverPreview = Schemas['HandoverPreview'];
export type CreatedHandover = Schemas['CreatedHandover'];
export type IccidSuggestions = Schemas['IccidSuggestions'];

export const SIM_STATUSES: readonly SimStatus[] = ['in_stock', 'assigned', 'sold', 'blocked'];
