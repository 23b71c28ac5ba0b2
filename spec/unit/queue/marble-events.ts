// The five events the queue's marble specs name `a` to `e`, and the values map for `cold()`.
import { dockerEvent } from '../../../lib/testing/index.ts';

export const a = dockerEvent.start('a');
export const b = dockerEvent.stop('b');
export const c = dockerEvent.die('c');
export const d = dockerEvent.pause('d');
export const e = dockerEvent.kill('e');
export const values = { a, b, c, d, e };
