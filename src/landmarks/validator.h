/* The CNN landmark-detection validator (LandmarkDetector::DetectionValidator,
 * validator type 3) and its piecewise affine warps (LandmarkDetector::PAW),
 * as read from model/detection_validation/validator_cnn.txt.
 *
 * Per view (orientation): the landmarks are warped with a PAW into a fixed
 * face frame, the pixels inside the mask are normalised (local mean/std,
 * then the global mean_image/std_image), and a small CNN (conv, ReLU, max
 * pool, fully connected) classifies the fit into bins. */
#ifndef FAU_LANDMARKS_VALIDATOR_H
#define FAU_LANDMARKS_VALIDATOR_H

#include <stdint.h>

#include "core/error.h"
#include "landmarks/lm_arena.h"

enum {
    FAU_CNN_CONV = 0,    /* convolution_direct_blas, valid, stride 1 */
    FAU_CNN_MAXPOOL = 1, /* max_pooling 2x2 stride 2 (round((n-2)/2)+1 outputs) */
    FAU_CNN_FC = 2,      /* fully_connected */
    FAU_CNN_RELU = 3,
    FAU_CNN_SIGMOID = 4
};

typedef struct fau_cnn_layer {
    int type;
    /* FAU_CNN_CONV */
    int n_in, n_kernels, kh, kw;
    float *kernels;      /* [in][k] kh x kw row-major, as read (cnn_convolutional_layers) */
    float *biases;       /* n_kernels (float32 in the file) */
    /* OpenFace's cnn_convolutional_layers_weights (W.t()): (n_in*kh*kw + 1)
     * rows x n_kernels cols, row-major; row in*kh*kw + c*kh + r holds
     * kernel[in][k](r, c) (column-major within a kernel, as im2col lays out
     * the input), the last row holds the biases. */
    float *conv_weights;
    int cw_rows;         /* n_in*kh*kw + 1 */
    /* FAU_CNN_FC: output = weights.t() * input + bias */
    int fc_in, fc_out;
    float *fc_weights;   /* fc_in rows x fc_out cols, row-major, as read */
    float *fc_bias;      /* fc_out */
    /* Map shape after this layer (maps x rows x cols; FC gives 1 x fc_out x 1),
     * worked out at load time to check that the layers fit together. */
    int out_maps, out_rows, out_cols;
} fau_cnn_layer;

/* PAW as read by PAW::Read. */
typedef struct fau_paw {
    int n_pixels;        /* pixels inside the mask */
    float min_x, min_y;  /* (float) of the stored doubles */
    int n_landmarks;
    float *dst_landmarks; /* 2*n_landmarks: x0..xn-1, y0..yn-1 */
    int n_triangles;
    int32_t *triangulation; /* n_triangles x 3 */
    int rows, cols;      /* warped image size (mask size) */
    int32_t *triangle_id;   /* rows x cols, -1 outside */
    uint8_t *pixel_mask;    /* rows x cols, convertTo(CV_8U) of the stored ints */
    float *alpha;        /* n_triangles x 3 */
    float *beta;         /* n_triangles x 3 */
} fau_paw;

typedef struct fau_validator_view {
    double orientation[3]; /* radians: (deg * M_PI) / 180.0 */
    int n_pixels;
    float *mean_image;   /* n_pixels (mean_images[i], a column after .t()) */
    float *std_image;    /* n_pixels */
    int n_layers;
    fau_cnn_layer *layers;
    int n_bins;          /* outputs of the last layer (30) */
    fau_paw paw;
} fau_validator_view;

typedef struct fau_validator {
    int type;            /* 3: CNN */
    int n_views;
    fau_validator_view *views;
} fau_validator;

#define FAU_VALIDATOR_MAX_VIEWS 64
#define FAU_VALIDATOR_MAX_LAYERS 64
#define FAU_VALIDATOR_MAX_MAPS 1024
#define FAU_VALIDATOR_MAX_KERNEL 64
#define FAU_VALIDATOR_MAX_SIDE 4096

/* DetectionValidator::Read. */
int fau_validator_load(fau_validator *out, fau_lm_arena *a, const char *path, fau_error *e);

#endif
