/**
 * PrepareCustomConfig / ConvertCustomConfig (torch.ao.quantization.fx.custom_config, PyTorch 1.13): the
 * parts fxq supports — modules that must not be traced through, and attributes to keep on the GraphModule.
 */
import type { ModuleClass } from './backend_config.js';

/** The dict form of PrepareCustomConfig (torch's prepare_custom_config_dict keys). */
export interface PrepareCustomConfigDict {
  /** Qualified module names recorded as call_module leaves instead of being traced through. */
  non_traceable_module_names?: string[];
  /** Module classes recorded as leaves (subclasses too). */
  non_traceable_module_classes?: ModuleClass[];
  /** Model attributes (non-module values) copied onto the prepared GraphModule. */
  preserved_attributes?: string[];
}

function check_keys(d: object, known: string[], where: string): void {
  if (d === null || typeof d !== 'object' || Array.isArray(d)) throw new Error(`${where}: expected an object`);
  const bad = Object.keys(d).filter((k) => !known.includes(k));
  if (bad.length)
    throw new Error(`${where}: unknown key(s) ${bad.map((k) => `'${k}'`).join(', ')} (known: ${known.join(', ')})`);
}

/** torch's PrepareCustomConfig (builder methods and from_dict / to_dict). */
export class PrepareCustomConfig {
  non_traceable_module_names: string[] = [];
  non_traceable_module_classes: ModuleClass[] = [];
  preserved_attributes: string[] = [];

  set_non_traceable_module_names(names: string[]): this {
    for (const n of names)
      if (typeof n !== 'string')
        throw new Error(`PrepareCustomConfig: non_traceable_module_names must be strings, got ${typeof n}`);
    this.non_traceable_module_names = [...names];
    return this;
  }
  set_non_traceable_module_classes(classes: ModuleClass[]): this {
    for (const c of classes)
      if (typeof c !== 'function')
        throw new Error(`PrepareCustomConfig: non_traceable_module_classes must be classes, got ${typeof c}`);
    this.non_traceable_module_classes = [...classes];
    return this;
  }
  set_preserved_attributes(attributes: string[]): this {
    this.preserved_attributes = [...attributes];
    return this;
  }

  /** Builds a config from the dict form; unknown keys are an error naming them. */
  static from_dict(d: PrepareCustomConfigDict): PrepareCustomConfig {
    check_keys(
      d,
      ['non_traceable_module_names', 'non_traceable_module_classes', 'preserved_attributes'],
      'PrepareCustomConfig.from_dict',
    );
    const c = new PrepareCustomConfig();
    if (d.non_traceable_module_names) c.set_non_traceable_module_names(d.non_traceable_module_names);
    if (d.non_traceable_module_classes) c.set_non_traceable_module_classes(d.non_traceable_module_classes);
    if (d.preserved_attributes) c.set_preserved_attributes(d.preserved_attributes);
    return c;
  }
  to_dict(): PrepareCustomConfigDict {
    return {
      non_traceable_module_names: [...this.non_traceable_module_names],
      non_traceable_module_classes: [...this.non_traceable_module_classes],
      preserved_attributes: [...this.preserved_attributes],
    };
  }
}

/** The dict form of ConvertCustomConfig. */
export interface ConvertCustomConfigDict {
  preserved_attributes?: string[];
}

/** torch's ConvertCustomConfig (preserved_attributes). */
export class ConvertCustomConfig {
  preserved_attributes: string[] = [];
  set_preserved_attributes(attributes: string[]): this {
    this.preserved_attributes = [...attributes];
    return this;
  }
  static from_dict(d: ConvertCustomConfigDict): ConvertCustomConfig {
    check_keys(d, ['preserved_attributes'], 'ConvertCustomConfig.from_dict');
    return new ConvertCustomConfig().set_preserved_attributes(d.preserved_attributes ?? []);
  }
  to_dict(): ConvertCustomConfigDict {
    return { preserved_attributes: [...this.preserved_attributes] };
  }
}

/** Copies `names` from `src` onto `dst` (only those `src` has); refuses to overwrite a member of `dst`'s class. */
export function copy_preserved_attributes(src: object, dst: object, names: string[], where: string): void {
  for (const name of names) {
    if (!(name in src)) continue;
    if (name in dst && !Object.hasOwn(dst, name))
      throw new Error(`${where}: preserved attribute '${name}' would overwrite GraphModule's own '${name}'`);
    (dst as Record<string, unknown>)[name] = (src as Record<string, unknown>)[name];
  }
}
