/** qml-data as a library: read master stores and check their health from TypeScript. */
export { loadMaster, type LoadMasterOptions } from './store/store-read.js';
export { checkHealth, findGaps, type StoreColumns, type HealthOptions } from './validate/check-health.js';
export type { Finding, FindingCode, Severity } from './validate/findings.js';
export type { CandleFrame, MasterFrame } from './core/frame.js';
export { wilderAtr } from './indicators/wilder-atr.js';
export { cleanCandles, type CleanReport } from './clean/clean-candles.js';
export { parseTimeframe, type Timeframe } from './core/timeframe.js';
export { startSim, type SimOptions, type RunningSim } from './sim/server.js';
