/* schedule.h - learning rate at a step: linear warmup, then constant, step
 * decay or cosine decay to min_lr over total_steps. */
#ifndef HERD_SCHEDULE_H
#define HERD_SCHEDULE_H

#include <stdint.h>

typedef struct herd_schedule {
    int kind;             /* HERD_SCHED_* */
    double lr;            /* base */
    double min_lr;        /* cosine floor */
    int64_t warmup_steps;
    int64_t total_steps;  /* cosine horizon */
    int64_t step_every;   /* step decay period */
    double step_gamma;    /* step decay factor */
} herd_schedule;

/* Learning rate for update number step (0-based). */
double herd_schedule_lr(const herd_schedule *s, int64_t step);

#endif
