/* commands.h - one entry point per `herd <command>`.
 *
 * Each takes the arguments after "herd" (argv[0] is the command name) and
 * returns the process exit code (0, or a HERD_ERR_* code after printing
 * `herd: error: ...`). `herd <command> --help` prints the command's usage and
 * returns 0. Commands that train or evaluate initialise MPI themselves; the
 * others (data, runs) run as plain single processes.
 */
#ifndef HERD_COMMANDS_H
#define HERD_COMMANDS_H

int herd_cmd_train(int argc, char **argv);
int herd_cmd_predict(int argc, char **argv);
int herd_cmd_eval(int argc, char **argv);
int herd_cmd_eval_learning_curve(int argc, char **argv);  /* cmd_eval_curve.c */
int herd_cmd_sweep(int argc, char **argv);
int herd_cmd_data(int argc, char **argv);
int herd_cmd_runs(int argc, char **argv);
/* `herd runs show` text: CPU, per-rank bindings and the latest samples. */
struct cJSON;
void herd_cmd_runs_print_record(const struct cJSON *run);
int herd_cmd_topo(int argc, char **argv);

#endif
