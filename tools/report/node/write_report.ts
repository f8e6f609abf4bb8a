/** Writing the HTML report to a file (Node). */
import { write_file_atomic } from '../../../runtime/io/node/atomic.js';
import { build_report_html, type ReportData } from '../html.js';

/** Writes the report atomically to `path`. */
export function write_report(path: string, data: ReportData): void {
  write_file_atomic(path, new TextEncoder().encode(build_report_html(data)));
}
