import type { Backend } from '../types.js';
import { js_fp32 } from './fp32.js';
import { js_int8 } from './int8.js';
import { js_rnn } from './rnn.js';

/** The reference backend: plain TypeScript, the numerics every other backend must equal bit for bit. */
export const js_backend: Backend = { name: 'js', int8: js_int8, fp32: js_fp32, rnn: js_rnn };
