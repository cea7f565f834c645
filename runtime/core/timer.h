/* timer.h - wall clocks. */
#ifndef HERD_TIMER_H
#define HERD_TIMER_H

/* Monotonic seconds, for durations. */
double herd_now(void);
/* Seconds since the Unix epoch, for records. */
double herd_wall_time(void);

#endif
