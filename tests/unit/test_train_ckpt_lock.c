/* test_train_ckpt_lock.c - one training per checkpoint folder
 * (herd_checkpoint_lock_dir, train/checkpoint.c): the holder's lock file
 * names its pid, a second taker is refused with an error naming the folder
 * and the holder and changes nothing, release removes the file, a file left
 * behind by a crashed run does not block, and setting earlier checkpoints
 * aside leaves the lock file where it is.
 */
#include "tests/testing.h"

#include "train/checkpoint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void read_text(const char *path, char *buf, size_t size)
{
    FILE *f = fopen(path, "r");
    size_t n = f != NULL ? fread(buf, 1, size - 1, f) : 0;
    buf[n] = '\0';
    if (f != NULL)
        fclose(f);
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (f != NULL) {
        fputs(text, f);
        fclose(f);
    }
}

int main(void)
{
    char *dir = herd_test_tmpdir("test_train_ckpt_lock");
    char lock_file[4200], text[512], before[512], mine[64];
    snprintf(lock_file, sizeof lock_file, "%s/" HERD_CHECKPOINT_LOCK_FILE, dir);
    snprintf(mine, sizeof mine, "pid %d on ", (int)getpid());
    herd_error err = { 0 };

    herd_checkpoint_lock *held = NULL, *second = NULL;
    CHECK(herd_checkpoint_lock_dir(dir, &held, &err) == HERD_OK && held != NULL);
    read_text(lock_file, text, sizeof text);
    CHECK(strncmp(text, mine, strlen(mine)) == 0);

    /* a second taker (another open file: flock refuses it even in this process) */
    snprintf(before, sizeof before, "%s", text);
    CHECK(herd_checkpoint_lock_dir(dir, &second, &err) == HERD_ERR_IO && second == NULL);
    CHECK(strstr(err.msg, dir) != NULL && strstr(err.msg, "is in use by another training") != NULL);
    CHECK(strstr(err.msg, mine) != NULL);
    read_text(lock_file, text, sizeof text);
    CHECK(strcmp(text, before) == 0);

    /* earlier checkpoints are set aside, the lock file stays */
    char ckpt[4300], moved[4300];
    snprintf(ckpt, sizeof ckpt, "%s/ckpt-000000001.h5", dir);
    write_text(ckpt, "x");
    herd_error_clear(&err);
    CHECK(herd_checkpoint_set_aside(dir, moved, sizeof moved, &err) == HERD_OK && moved[0] != '\0');
    CHECK(access(ckpt, F_OK) != 0 && access(lock_file, F_OK) == 0);

    /* released: the file goes, the folder can be taken again */
    herd_checkpoint_unlock_dir(held);
    CHECK(access(lock_file, F_OK) != 0);
    herd_error_clear(&err);
    CHECK(herd_checkpoint_lock_dir(dir, &held, &err) == HERD_OK && held != NULL);
    herd_checkpoint_unlock_dir(held);

    /* a file a killed run left behind holds no lock */
    write_text(lock_file, "pid 1 on elsewhere\n");
    CHECK(herd_checkpoint_lock_dir(dir, &held, &err) == HERD_OK && held != NULL);
    read_text(lock_file, text, sizeof text);
    CHECK(strncmp(text, mine, strlen(mine)) == 0);
    herd_checkpoint_unlock_dir(held);
    herd_checkpoint_unlock_dir(NULL);

    free(dir);
    return herd_test_finish("test_train_ckpt_lock");
}
