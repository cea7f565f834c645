/* record.h - the structured part of a run record, read from a run file.
 *
 * A run file's `record` table holds fields that are JSON values (per-rank
 * bindings, CPU model, datasets, library versions as an object) and
 * its `samples` table the sampled validation rows of each evaluation
 * (runlog.h writes both). herd_runs_get_json (index.h) merges them into a
 * run's JSON through herd_track_record_merge. Not collective.
 */
#ifndef HERD_TRACK_RECORD_H
#define HERD_TRACK_RECORD_H

#include "core/status.h"

#include <cjson/cJSON.h>

/* Open run_file read-only and add to run: every record field (replacing a
 * member of the same name, should one exist) and
 * "samples", the rows of the latest evaluation [{step, row, label,
 * prediction, probabilities}] ordered by row ([] when none). A file written
 * before these tables existed adds nothing but "samples": []. Errors:
 * HERD_ERR_IO naming the file, when it cannot be read (run still gets
 * "samples": []). */
int herd_track_record_merge(const char *run_file, cJSON *run, herd_error *err);

#endif
