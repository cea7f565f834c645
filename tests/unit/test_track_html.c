/* test_track_html.c - HTML escaping for the run report, and a report written
 * from a run file: self-contained, curves drawn, user text escaped. */
#include "tests/testing.h"
#include "core/mem.h"
#include "core/status.h"
#include "track/index.h"
#include "track/report_html.h"
#include "track/runlog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void check_escape(const char *in, const char *want)
{
    char *got = herd_html_escape(in);
    CHECK(strcmp(got, want) == 0);
    if (strcmp(got, want) != 0)
        fprintf(stderr, "  escape(%s) = %s, want %s\n", in, got, want);
    free(got);
}

static void test_escape(void)
{
    check_escape("plain text 1.5", "plain text 1.5");
    check_escape("<script>alert('x')</script>", "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
    check_escape("a & b \"q\"", "a &amp; b &quot;q&quot;");
    check_escape("&amp;", "&amp;amp;");
    check_escape("", "");
    check_escape(NULL, "");
    check_escape("caf\xc3\xa9", "caf\xc3\xa9");  /* UTF-8 passes through */
}

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return herd_strdup("");
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = herd_malloc((size_t)n + 1);
    s[fread(s, 1, (size_t)n, f)] = '\0';
    fclose(f);
    return s;
}

static int count(const char *s, const char *what)
{
    int n = 0;
    for (const char *p = strstr(s, what); p != NULL; p = strstr(p + 1, what))
        n++;
    return n;
}

static void test_report(void)
{
    char dir[] = "/tmp/herd-html-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char db[256], out[256];
    snprintf(db, sizeof db, "%s/track.db", dir);
    snprintf(out, sizeof out, "%s/report.html", dir);
    herd_error err = {0};
    herd_runlog *rl = NULL;
    herd_run_info info = {.experiment = "exp<1>", .name = "<b>bold</b> & 'q'", .world_size = 1};
    CHECK(herd_runlog_begin(db, &info, &rl, &err) == HERD_OK);
    herd_runlog_log_param(rl, "model.type", "<mlp>", &err);
    for (int s = 1; s <= 30; s++) {
        herd_runlog_log_metric(rl, "train/loss", s, 1.0 / s, &err);
        herd_runlog_log_metric(rl, "system/cpu_utilization_percentage", s, 50 + s, &err);
    }
    herd_runlog_log_metric(rl, "test/accuracy", 30, 0.9, &err);
    herd_runlog_set_record(rl, "cpu_model", "\"Fast <CPU>\"", &err);
    char id[33];
    snprintf(id, sizeof id, "%s", herd_runlog_id(rl));
    CHECK(herd_runlog_end(rl, HERD_RUN_FINISHED, &err) == HERD_OK);

    herd_runs *idx = NULL;
    CHECK(herd_runs_open(db, &idx, &err) == HERD_OK);
    CHECK(herd_runs_sync(idx, NULL, &err) == HERD_OK);
    const char ids[1][33] = {{0}};
    memcpy((char *)ids[0], id, 33);
    CHECK(herd_report_html_write(idx, ids, 1, out, &err) == HERD_OK);
    char *html = read_all(out);
    CHECK(strncmp(html, "<!DOCTYPE html>", 15) == 0);
    CHECK(count(html, "<polyline") == 2);                 /* train/loss and cpu */
    CHECK(count(html, "<circle") == 1);                   /* test/accuracy: one point */
    CHECK(strstr(html, "&lt;b&gt;bold&lt;/b&gt; &amp; &#39;q&#39;") != NULL);
    CHECK(strstr(html, "<b>bold") == NULL);
    CHECK(strstr(html, "&lt;mlp&gt;") != NULL);
    CHECK(strstr(html, "Fast &lt;CPU&gt;") != NULL);
    CHECK(strstr(html, "<script") == NULL);
    CHECK(strstr(html, "src=\"http") == NULL && strstr(html, "href=\"http") == NULL);
    free(html);
    const char bad[1][33] = {"0123456789abcdef0123456789abcdef"};
    CHECK(herd_report_html_write(idx, bad, 1, out, &err) == HERD_ERR_USAGE);
    char nowhere[300];
    snprintf(nowhere, sizeof nowhere, "%s/no/such/dir/r.html", dir);
    CHECK(herd_report_html_write(idx, ids, 1, nowhere, &err) == HERD_ERR_IO);
    herd_runs_close(idx);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
}

int main(void)
{
    test_escape();
    test_report();
    return herd_test_finish("track_html");
}
