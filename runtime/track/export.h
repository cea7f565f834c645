/* export.h - runs written in formats other tools open: MLflow's file store
 * (`mlruns`), TensorBoard event files, CSV and JSON.
 *
 * Each exporter takes a run as herd_runs_get_json gives it and every metric
 * row of the run (herd_runs_metric_all), so it needs no database. Formats
 * are described in docs/formats.md ("Exports").
 *
 * MLflow:      <root>/<experiment id>/meta.yaml, <root>/<experiment id>/<run id>/
 *              {meta.yaml, metrics/<key>, params/<key>, tags/<key>, artifacts/}
 * TensorBoard: <root>/<run>/events.out.tfevents.<start>.herd-<id8>, TFRecord
 *              framing (length, masked CRC32C of length, data, masked CRC32C of
 *              data) around Event protos with scalar summaries.
 */
#ifndef HERD_TRACK_EXPORT_H
#define HERD_TRACK_EXPORT_H

#include "core/status.h"
#include "track/index.h"

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* CRC-32C (Castagnoli) of n bytes; crc32c("123456789") = 0xE3069283. */
uint32_t herd_crc32c(const void *data, size_t n);

/* TFRecord's masked CRC: ((crc >> 15) | (crc << 17)) + 0xa282ead8. */
uint32_t herd_crc32c_masked(const void *data, size_t n);

/* Write one TFRecord: uint64 length (little-endian), masked CRC32C of those
 * 8 bytes, the data, masked CRC32C of the data. Returns 0, or -1 on a write
 * error (errno set by stdio). */
int herd_tfrecord_write(FILE *f, const void *data, size_t n);

/* Encode an Event proto holding one scalar: wall_time (field 1), step (2),
 * summary (5) { value (1) { tag (1), simple_value (2) } }. Returns the
 * length; *out is allocated and owned by the caller. */
size_t herd_tb_scalar_event(double wall_time, int64_t step, const char *tag, float value,
                            uint8_t **out);

/* The first Event of every file: wall_time and file_version "brain.Event:2". */
size_t herd_tb_version_event(double wall_time, uint8_t **out);

/* Write run (with its metric rows, any order) as one TensorBoard event file
 * in <root>/<run folder>, creating folders; the run folder is the run's name
 * made file-safe, with the first 8 characters of the id appended when the
 * name does not contain them. The path written is copied to path (may be
 * NULL). Errors: HERD_ERR_IO naming the path. */
int herd_export_tensorboard(const cJSON *run, const herd_run_metric *rows, int n,
                            const char *root, char *path, size_t path_len, herd_error *err);

/* Write run into the MLflow file store at root (created when missing). The
 * experiment is found by name among root's experiments, or added with the
 * next free numeric id (0 is "Default", as MLflow makes it). Writing a run
 * again replaces its folder. A metric, param or tag key that is also a
 * "/"-prefix of another key is kept as is, and the other key's "/" after
 * the prefix is written as "_" (`a` and `a/max` -> files `a` and `a_max`).
 * Keys that are not safe relative paths, or that would share a file with an
 * earlier key, are skipped with a warning. The run is written to a
 * temporary folder and renamed into place: on failure nothing of it stays
 * (nor the experiment, when this call added it). Errors: HERD_ERR_IO naming
 * the path. */
int herd_export_mlflow(const cJSON *run, const herd_run_metric *rows, int n, const char *root,
                       herd_error *err);

/* One CSV row per run: id, experiment, name, status, parent_id, start_time,
 * end_time, world_size, git_commit, then params.<key> and metrics.<key>
 * (latest value) for every key any of the runs has, in key order. */
void herd_export_runs_csv(FILE *f, cJSON *const *runs, int n);

/* CSV rows "run_id,key,step,time,value" of one run's metrics; with header,
 * the header line first. */
void herd_export_metrics_csv(FILE *f, const char *run_id, const herd_run_metric *rows, int n,
                             int header);

/* The metric rows as {key: [{step, time, value}, ...]} (value null for NaN). */
cJSON *herd_export_series_json(const herd_run_metric *rows, int n);

/* The shortest "%.Ng" text that reads back as v ("nan", "inf", "-inf" for
 * non-finite values). buf must hold 32 bytes. */
void herd_format_double(char buf[32], double v);

/* Write s as one CSV cell, quoted when it holds , " or a line break. */
void herd_csv_cell(FILE *f, const char *s);

#endif
