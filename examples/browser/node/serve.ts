/**
 * A tiny static file server for the example (localhost only, GET of files under one folder, no directory
 * listing). `npx tsx examples/browser/node/serve.ts [dir] [port]` builds nothing: run build.ts first.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  // served as bytes (no Content-Encoding): the page decompresses the IDX files itself
  '.gz': 'application/octet-stream',
  '.safetensors': 'application/octet-stream',
};

/** A running server: its base URL, the paths it served, and close(). */
export interface StaticServer {
  url: string;
  requests: string[];
  close(): Promise<void>;
}

/** Serves `dir` on 127.0.0.1 (port 0: any free port). */
export async function serve_static(dir: string, port = 0): Promise<StaticServer> {
  const root = resolve(dir);
  const requests: string[] = [];
  const server: Server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    requests.push(path);
    const file = normalize(join(root, path.endsWith('/') ? `${path}index.html` : path));
    const type = TYPES[extname(file)];
    if (req.method !== 'GET' || !file.startsWith(root + sep) || !type) {
      res.writeHead(404).end();
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((ok) => server.listen(port, '127.0.0.1', ok));
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}/`,
    requests,
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const s = await serve_static(
    process.argv[2] ?? resolve(fileURLToPath(import.meta.url), '../../dist'),
    Number(process.argv[3] ?? 8080),
  );
  console.log(`serving on ${s.url} (Ctrl-C stops)`);
}
