/**
 * The quantized-model file (format version 2), browser-safe: ONE safetensors file whose `__metadata__`
 * holds `format` = "fxq.quantized", `version` = "2" and `manifest` = the manifest JSON (class name, graph,
 * each submodule's type and constructor arguments, root buffer names); the tensors are the state_dict,
 * quantized tensors as their int8 values. Loading checks, in order and before building anything: the
 * safetensors header (st_header.ts), the manifest's structure (manifest.ts), the manifest against the
 * header and the qparams' values (artifact_check.ts); only then are the tensors decoded, the modules
 * built, and the graph checked by GraphModule.from_json. Files and URLs: node/quantized_file.ts, fetch_quantized.
 */
import { serialize_safetensors } from '../../runtime/io/safetensors.js';
import { GraphModule } from '../ir/graph_module.js';
import type { Json } from '../ir/serialize.js';
import { check_against_weights } from './artifact_check.js';
import { build_quantized, tensors_of } from './build.js';
import { check_manifest, FORMAT, type QuantizedManifest, VERSION } from './manifest.js';
import { spec_of } from './module_specs.js';
import { decode_tensors, read_st_header, type StHeader } from './st_header.js';

/** The manifest describing `model` (a convert_fx result); errors name the submodule the format cannot rebuild. */
export function manifest_of(model: GraphModule): QuantizedManifest {
  if (!(model instanceof GraphModule))
    throw new Error(
      `save_quantized: expected a GraphModule from convert_fx, got ${(model as object)?.constructor?.name}`,
    );
  const modules = [...model.named_modules()]
    .filter(([p]) => p !== '')
    .map(([path, m]) => {
      const spec = spec_of(m, path);
      return { path, type: spec.type, args: spec.args(m) };
    });
  return {
    format: FORMAT,
    version: VERSION,
    class_name: model.class_name,
    graph: model.to_json() as unknown as Json,
    modules,
    // the root's own parameters too (FmnistViT's cls_token / pos_embed, read by get_attr): rebuilt as buffers
    root_buffers: [...model.named_buffers('', false), ...model.named_parameters('', false)].map(([k]) => k),
  };
}

/** `model` as the bytes of a version-2 quantized-model file (what save_quantized writes). */
export function serialize_quantized(model: GraphModule): Uint8Array {
  const manifest = manifest_of(model);
  return serialize_safetensors(tensors_of(model), {
    format: FORMAT,
    version: String(VERSION),
    manifest: JSON.stringify(manifest),
  });
}

/**
 * Checks a parsed manifest against the safetensors `bytes` holding its weights, then decodes and builds.
 * `manifest_source` / `weights_source` name the files in errors (the same file for version 2).
 */
export function load_checked(
  raw_manifest: unknown,
  version: 1 | 2,
  bytes: Uint8Array,
  manifest_source: string,
  weights_source: string,
  header: StHeader = read_st_header(bytes, weights_source),
): GraphModule {
  const man = check_manifest(raw_manifest, manifest_source, version);
  check_against_weights(man, header, bytes, manifest_source);
  return build_quantized(man, decode_tensors(bytes, header, weights_source), manifest_source);
}

/** The manifest JSON held in a version-2 file's header; errors name `source`. */
export function read_manifest_v2(header: StHeader, source: string): unknown {
  const fail = (msg: string): never => {
    throw new Error(`load_quantized ${source}: ${msg}`);
  };
  const { metadata } = header;
  if (!metadata || metadata.get('format') !== FORMAT)
    fail(`not an fxq quantized model (safetensors __metadata__ "format" is not "${FORMAT}")`);
  const v = metadata?.get('version');
  if (v !== String(VERSION))
    fail(
      `format version ${JSON.stringify(v)} is not supported (this fxq reads version ${VERSION} files and v1 directories)`,
    );
  const text = metadata?.get('manifest');
  if (text === undefined) fail('__metadata__ has no "manifest"');
  try {
    return JSON.parse(text as string);
  } catch (e) {
    return fail(`__metadata__ "manifest" is not JSON: ${(e as Error).message}`);
  }
}

function as_bytes(src: Uint8Array | ArrayBuffer): Uint8Array {
  if (src instanceof Uint8Array) return new Uint8Array(src.buffer, src.byteOffset, src.byteLength);
  if (src instanceof ArrayBuffer) return new Uint8Array(src);
  throw new Error(
    `load_quantized: expected a Uint8Array or ArrayBuffer, got ${(src as object)?.constructor?.name ?? typeof src}`,
  );
}

/**
 * Loads a quantized model from the bytes of a version-2 file (`source` names it in errors). Runs on the
 * current backend. Every check happens before anything proportional to the manifest's claims is allocated.
 */
export function load_quantized(src: Uint8Array | ArrayBuffer, source = '<bytes>'): GraphModule {
  const bytes = as_bytes(src);
  const header = read_st_header(bytes, source);
  return load_checked(read_manifest_v2(header, source), VERSION, bytes, source, source, header);
}

/** Fetches a version-2 file (a URL, or a Response already fetched) and loads it (async: network). */
export async function fetch_quantized(src: string | URL | Response): Promise<GraphModule> {
  const name = src instanceof Response ? src.url || '<response>' : String(src);
  const res = src instanceof Response ? src : await fetch(src);
  if (!res.ok) throw new Error(`fetch_quantized ${name}: HTTP ${res.status} ${res.statusText}`);
  return load_quantized(new Uint8Array(await res.arrayBuffer()), name);
}
