export { BuiltinStore, STORE_VERSION } from './builtin-store';
export { SUMMARY_VERSION } from './summary';
export type { CheckReport, CheckProblem } from './check';
export { StoreLayout, DRIVER } from './layout';
export type { PullResult } from './pull';
export type { PushResult } from './push';
