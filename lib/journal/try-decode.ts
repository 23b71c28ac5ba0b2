import { describeCause } from '../describe.ts';
import type { Event } from '../events/event.ts';
import { decodeEvent } from './event-codec.ts';

/** The event `record` holds, or why it cannot be decoded (for a record to set aside). */
export function tryDecode(record: string): Event | string {
  try {
    return decodeEvent(record);
  } catch (cause) {
    return describeCause(cause);
  }
}
