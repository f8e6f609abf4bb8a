// Worker-thread entry: registers tsx's loader in this thread (model files may be .ts), then runs the worker.
import { register } from 'tsx/esm/api';

register();
await import('./worker.js'); // worker.ts in a checkout (tsx maps .js to .ts), worker.js in dist/
