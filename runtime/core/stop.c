/* stop.c - signal handlers that record a stop request (see stop.h). */
#include "core/stop.h"

#include <signal.h>
#include <string.h>

static volatile sig_atomic_t g_stop_signal = 0;

static void on_signal(int sig)
{
    if (g_stop_signal == sig) {
        /* asked twice: stop waiting for a step boundary */
        signal(sig, SIG_DFL);
        raise(sig);
        return;
    }
    if (g_stop_signal == 0)
        g_stop_signal = sig;
}

void herd_stop_watch_signals(void)
{
    static int installed = 0;
    if (installed)
        return;
    installed = 1;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGUSR2, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    /* Ctrl-C; but a shell script's background job ignores SIGINT, and keeps ignoring it */
    struct sigaction before;
    if (sigaction(SIGINT, NULL, &before) == 0 && before.sa_handler != SIG_IGN)
        sigaction(SIGINT, &sa, NULL);
}

int herd_stop_requested(void) { return (int)g_stop_signal; }

void herd_stop_reset(void) { g_stop_signal = 0; }

const char *herd_stop_signal_name(int sig)
{
    switch (sig) {
    case SIGUSR1: return "SIGUSR1";
    case SIGUSR2: return "SIGUSR2";
    case SIGTERM: return "SIGTERM";
    case SIGINT: return "SIGINT";
    case 0: return "none";
    default: return "a signal";
    }
}
