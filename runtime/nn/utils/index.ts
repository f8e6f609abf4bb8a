/** nn.utils: BatchNorm folding (torch.nn.utils.fusion) and a module deep copy (Python's copy.deepcopy). */
export { deepcopy } from './deepcopy.js';
export * from './fusion.js';
export * as fusion from './fusion.js';
