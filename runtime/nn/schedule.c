/* schedule.c - learning rate as a pure function of the update number, so a
 * resumed run picks up the exact rate it would have had. */
#include "nn/schedule.h"

#include "config/config.h"

#include <math.h>

static double after_warmup(const herd_schedule *s, int64_t t)
{
    if (s->kind == HERD_SCHED_STEP) {
        if (s->step_every <= 0)
            return s->lr;
        return s->lr * pow(s->step_gamma, (double)(t / s->step_every));
    }
    if (s->kind == HERD_SCHED_COSINE) {
        int64_t T = s->total_steps - s->warmup_steps;
        if (T <= 0)
            return s->min_lr;
        double frac = t >= T ? 1.0 : (double)t / (double)T;
        return s->min_lr + 0.5 * (s->lr - s->min_lr) * (1.0 + cos(M_PI * frac));
    }
    return s->lr;
}

double herd_schedule_lr(const herd_schedule *s, int64_t step)
{
    if (step < 0)
        step = 0;
    if (step < s->warmup_steps)
        return s->lr * (double)(step + 1) / (double)s->warmup_steps;
    return after_warmup(s, step - s->warmup_steps);
}
