/* report_html.h - `herd runs report`: one self-contained HTML page comparing
 * runs.
 *
 * The page has no scripts, no external fonts or stylesheets and loads
 * nothing over the network: curves are inline SVG (one chart per metric, the
 * runs overlaid in distinct colours), followed by a params diff table, the
 * final metrics, system metrics and each run's environment (hosts, bindings,
 * CPU, git, data, versions). Every piece of text that comes from a run or a
 * user is HTML-escaped. Not collective.
 */
#ifndef HERD_REPORT_HTML_H
#define HERD_REPORT_HTML_H

#include "core/status.h"
#include "track/index.h"

/* s with & < > " ' replaced by entities, safe in element text and in quoted
 * attribute values. NULL reads as "". Caller frees. */
char *herd_html_escape(const char *s);

/* Write the report of runs ids[0..n) (full ids from herd_runs_find) to path,
 * through a temporary file renamed into place. Errors: HERD_ERR_USAGE for an
 * unknown run, HERD_ERR_IO when path cannot be written. */
int herd_report_html_write(herd_runs *idx, const char (*ids)[33], int n, const char *path,
                           herd_error *err);

#endif
