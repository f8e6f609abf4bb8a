/**
 * The graph picture of the report: compiler/codegen/dot.ts to_svg, then each node box recoloured by
 * its layer's SQNR. Graphviz writes one `<g class="node"><title>NAME</title><polygon fill=…>` group per
 * node, so the colour is applied to that group's first shape, and a tooltip and data attribute added.
 */
import { to_svg } from '../../compiler/codegen/dot.js';
import type { Graph } from '../../compiler/ir/graph.js';
import { fmt, sqnr_color, xml_escape } from './svg_charts.js';

/** SQNR in dB by graph node name. */
export type NodeSqnr = ReadonlyMap<string, number>;

/** Rewrites a Graphviz SVG: nodes named in `sqnr` get the SQNR colour, a data-sqnr attribute and a tooltip. */
export function color_graph_svg(svg: string, sqnr: NodeSqnr): string {
  return svg.replace(
    /<g id="(node\d+)" class="node">\s*<title>([^<]*)<\/title>\s*<(polygon|ellipse|path)([^>]*?)fill="[^"]*"/g,
    (whole, id: string, title: string, shape: string, attrs: string) => {
      const name = title
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&quot;/g, '"')
        .replace(/&#39;/g, "'")
        .replace(/&amp;/g, '&');
      const db = sqnr.get(name);
      if (db === undefined) return whole;
      return (
        `<g id="${id}" class="node sqnr" data-node="${xml_escape(name)}" data-sqnr="${db}">\n` +
        `<title>${title}: SQNR ${xml_escape(fmt(db, 2))} dB</title>\n<${shape}${attrs}fill="${sqnr_color(db)}"`
      );
    },
  );
}

/** SVG text without the XML prolog and DOCTYPE, so it can be inlined in HTML. */
export function inline_svg(svg: string): string {
  const at = svg.indexOf('<svg');
  return at >= 0 ? svg.slice(at) : svg;
}

/** The graph as an inline SVG, nodes coloured by SQNR (uncoloured nodes keep their op colour). */
export async function graph_svg(graph: Graph, sqnr: NodeSqnr, name = 'GraphModule'): Promise<string> {
  return inline_svg(color_graph_svg(await to_svg(graph, name), sqnr));
}
