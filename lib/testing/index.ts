// The test kit, `batchwatch/testing`: synthetic events and virtual time for users' unit tests.

export type { TestEventInit } from './event-factories.ts';
export { dockerEvent, fileEvent, forceReload } from './event-factories.ts';
export type { TrackedScheduler } from './track-timers.ts';
export { trackTimers } from './track-timers.ts';
export type { VirtualTime } from './virtual-time.ts';
export { virtualTime } from './virtual-time.ts';
