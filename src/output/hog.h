/* OpenFace .hog files (Utilities::RecorderHOG): per frame int32 num_cols,
 * int32 num_rows, int32 num_channels, float32 1 (tracking success) or -1,
 * then num_rows * num_cols * num_channels float32 values in FHOG order
 * (cell row, cell column, channel). Little-endian, as OpenFace writes on
 * x86. The file is written under a temporary name and renamed into place
 * by fau_hog_writer_close, so a crash never leaves a truncated .hog. */
#ifndef FAU_OUTPUT_HOG_H
#define FAU_OUTPUT_HOG_H

#include "core/error.h"

typedef struct fau_hog_writer fau_hog_writer;

/* Creates path + ".tmp"; FAU_EIO (with the path) if it cannot. */
int fau_hog_writer_open(fau_hog_writer **w, const char *path, fau_error *e);
/* RecorderHOG::Write for one frame; rows, cols, channels as OpenFace passes
 * them (12, 12, 31 for the AU face). */
int fau_hog_writer_write(fau_hog_writer *w, const float *hog, int rows, int cols, int channels,
                         int success, fau_error *e);
/* Flushes, closes and renames to the final path. Always frees *w. */
int fau_hog_writer_close(fau_hog_writer **w, fau_error *e);
/* Closes and deletes the temporary file (error paths). */
void fau_hog_writer_abort(fau_hog_writer **w);

#endif
