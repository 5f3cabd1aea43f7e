/* The small CNNs of OpenFace's MTCNN face detector (LandmarkDetector::CNN in
 * FaceDetectorMTCNN.cpp, layers in CNN_utils.cpp): convolution, max pooling,
 * fully connected and PReLU layers read from OpenFace's binary .dat files.
 *
 * Activations are planar float32 maps, map-major, each map h rows of w
 * floats. A "vector" (the output of a flattening fully connected layer) is
 * one map of h x 1 (a column), as in OpenFace; the output of a fully
 * connected layer applied to such a column is one 1 x n row. */
#ifndef FAU_DETECT_CNN_H
#define FAU_DETECT_CNN_H

#include <stddef.h>

#include "core/error.h"

enum {
    FAU_CNN_CONV = 0,
    FAU_CNN_MAXPOOL = 1,
    FAU_CNN_FC = 2,
    FAU_CNN_PRELU = 3,
    FAU_CNN_SIGMOID = 4
};

/* Caps on layer sizes read from a .dat file: far above the MTCNN models
 * (at most 14 layers, 128 kernels of 3x3, 1152 x 256 weights). */
#define FAU_CNN_MAX_LAYERS 64
#define FAU_CNN_MAX_MAPS 4096
#define FAU_CNN_MAX_KERNEL 16

typedef struct fau_cnn_layer {
    int type;
    /* convolution: out_maps kernels of kh x kw over in_maps maps. weights is
     * [out_maps][k_len] with k_len = in_maps*kh*kw in OpenFace's im2col
     * column order (map, then kernel column x, then kernel row y), so that a
     * dot product in index order is the order of OpenFace's sgemm K loop;
     * bias is [out_maps] (OpenFace's extra all-ones im2col column). */
    int in_maps, out_maps, kh, kw, k_len;
    /* max pooling */
    int pool_kx, pool_ky, pool_sx, pool_sy;
    /* fully connected: weights [fc_out][fc_in] (OpenFace's transposed
     * matrix), bias [fc_out] */
    int fc_in, fc_out;
    /* prelu: n_prelu slopes */
    int n_prelu;
    int fma; /* convolution: use the AVX2+FMA variant (same results) */
    float *weights;
    float *bias;
    /* convolution, packed for the OpenBLAS sgemm emulation: panels of 8
     * maps x (k_len + 1) steps (bias last), and the accumulation mode of
     * each panel in the kernel's left-6, right-6 and 4-column tiles */
    float *wpack;
    unsigned char *mode_l, *mode_r, *mode_4;
} fau_cnn_layer;

typedef struct fau_cnn {
    int n_layers;
    fau_cnn_layer *layers;
    const char *name; /* "PNet", ... for messages; static string */
} fau_cnn;

/* Shape of an activation. */
typedef struct fau_cnn_shape {
    int c, h, w;
} fau_cnn_shape;

/* LandmarkDetector::CNN::Read. Every size is checked; a truncated or
 * malformed file gives FAU_EFORMAT naming the file and the byte offset.
 * Convolutions reproduce OpenBLAS 0.3.21's Haswell sgemm summation order
 * with fused multiply-adds; they use AVX2+FMA code when the CPU has it,
 * unless $FACEAU_SIMD is "scalar" or "sse41", else fmaf() (exact, slower):
 * both give bit-identical results. */
int fau_cnn_load(fau_cnn *net, const char *path, const char *name, fau_error *e);
void fau_cnn_free(fau_cnn *net);

/* Output shape for an input of `in` (3 maps for the MTCNN nets), checking
 * that every layer can run on it (FAU_EFORMAT otherwise). Also returns the
 * scratch, in floats, fau_cnn_run needs: max_act for each activation
 * buffer, max_col for the im2col buffer (either pointer may be NULL). */
int fau_cnn_infer(const fau_cnn *net, fau_cnn_shape in, fau_cnn_shape *out, size_t *max_act,
                  size_t *max_col, fau_error *e);

/* Runs the net (CNN::Inference with direct convolution). in holds `shape`
 * planar maps; buf0 and buf1 hold max_act floats each and col max_col
 * floats (from fau_cnn_infer), all 64-byte aligned; returns a pointer to
 * the output (in one of the buffers) and its shape. The shape must have
 * passed fau_cnn_infer. */
const float *fau_cnn_run(const fau_cnn *net, const float *in, fau_cnn_shape shape, float *buf0,
                         float *buf1, float *col, fau_cnn_shape *out_shape);

#endif
