/* make_bad_data.c - writes the broken HDF5 datasets of the bad-input corpus.
 *
 *   make_bad_data KIND OUT.h5
 *
 * herd's own writer refuses to produce broken files, so the corpus makes them
 * here with plain HDF5 calls. Every file is small (40 rows x 3 features, task
 * multiclass, 3 classes, labels i % 3) except for the one defect KIND names:
 *   missing-y     no /y dataset
 *   mismatch      /y has fewer rows than /X
 *   label-range   one label is 7 (n_classes is 3)
 *   nan           one feature is NaN
 *   inf           row 25 has a +Inf feature
 *   one-row       a single row (fewer rows than ranks)
 *   x-1d          /X is 1-D
 */
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

enum { ROWS = 40, COLS = 3 };

static void write_f32(hid_t file, const char *name, const float *v, int nd, hsize_t r, hsize_t c)
{
    hsize_t dims[2] = { r, c };
    hid_t space = H5Screate_simple(nd, dims, NULL);
    hid_t d = H5Dcreate2(file, name, H5T_IEEE_F32LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
    H5Dclose(d);
    H5Sclose(space);
}

static void write_attrs(hid_t file)
{
    hid_t str = H5Tcopy(H5T_C_S1);
    H5Tset_size(str, H5T_VARIABLE);
    hid_t scalar = H5Screate(H5S_SCALAR);
    const char *task = "multiclass";
    hid_t a = H5Acreate2(file, "task", str, scalar, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(a, str, &task);
    H5Aclose(a);
    int nc = 3;
    a = H5Acreate2(file, "n_classes", H5T_STD_I32LE, scalar, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(a, H5T_NATIVE_INT, &nc);
    H5Aclose(a);
    H5Sclose(scalar);
    H5Tclose(str);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: make_bad_data KIND OUT.h5\n");
        return 2;
    }
    const char *kind = argv[1];
    static float X[ROWS * COLS], y[ROWS];
    for (int i = 0; i < ROWS; i++) {
        y[i] = (float)(i % 3);
        for (int j = 0; j < COLS; j++)
            X[i * COLS + j] = (float)(i % 3) + 0.1f * (float)j + 0.01f * (float)i;
    }
    hsize_t rows = ROWS, yrows = ROWS;
    if (strcmp(kind, "label-range") == 0)
        y[5] = 7.0f;
    else if (strcmp(kind, "nan") == 0)
        X[4 * COLS + 1] = NAN;
    else if (strcmp(kind, "inf") == 0)
        X[25 * COLS + 2] = INFINITY;
    else if (strcmp(kind, "one-row") == 0)
        rows = yrows = 1;
    else if (strcmp(kind, "mismatch") == 0)
        yrows = ROWS - 5;
    else if (strcmp(kind, "missing-y") != 0 && strcmp(kind, "x-1d") != 0) {
        fprintf(stderr, "make_bad_data: unknown kind '%s'\n", kind);
        return 2;
    }
    hid_t file = H5Fcreate(argv[2], H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (file < 0)
        return 4;
    if (strcmp(kind, "x-1d") == 0)
        write_f32(file, "X", X, 1, rows * COLS, 0);
    else
        write_f32(file, "X", X, 2, rows, COLS);
    if (strcmp(kind, "missing-y") != 0)
        write_f32(file, "y", y, 1, yrows, 0);
    write_attrs(file);
    return H5Fclose(file) < 0 ? 4 : 0;
}
