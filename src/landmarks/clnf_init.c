#include "landmarks/clnf_init.h"

#include <math.h>
#include <string.h>

void fau_clnf_euler_to_rotation(const float euler[3], float R[9])
{
    /* RotationHelpers.h calls unqualified sin/cos on floats; with OpenFace's
     * includes (OpenCV 4.6, dlib, libstdc++) only the C double functions are
     * visible there (checked by compiling against those headers), so this is
     * (float)sin((double)x), not sinf. */
    float s1 = (float)sin(euler[0]), s2 = (float)sin(euler[1]), s3 = (float)sin(euler[2]);
    float c1 = (float)cos(euler[0]), c2 = (float)cos(euler[1]), c3 = (float)cos(euler[2]);
    R[0] = c2 * c3;
    R[1] = -c2 * s3;
    R[2] = s2;
    R[3] = c1 * s3 + c3 * s1 * s2;
    R[4] = c1 * c3 - s1 * s2 * s3;
    R[5] = -c2 * s1;
    R[6] = s1 * s3 - c1 * c3 * s2;
    R[7] = c3 * s1 + c1 * s2 * s3;
    R[8] = c1 * c2;
}

void fau_clnf_shape3d(const fau_pdm *pdm, const float *params_local, float *out)
{
    int rows = 3 * pdm->n_points, m = pdm->n_modes;
    memcpy(out, pdm->mean_shape, (size_t)rows * sizeof(float));
    if (!params_local)
        return;
    for (int i = 0; i < rows; i++) {
        const float *pc = pdm->princ_comp + (size_t)i * (size_t)m;
        float acc = 0.0f;
        for (int k = 0; k < m; k++)
            acc += pc[k] * params_local[k];
        out[i] += acc;
    }
}

void fau_clnf_shape2d(const fau_pdm *pdm, const float *shape3d, const float params_global[6],
                      float *out)
{
    int n = pdm->n_points;
    float R[9];
    fau_clnf_euler_to_rotation(params_global + 1, R);
    float s = params_global[0], tx = params_global[4], ty = params_global[5];
    for (int i = 0; i < n; i++) {
        float X = shape3d[i], Y = shape3d[i + n], Z = shape3d[i + 2 * n];
        out[i] = s * (R[0] * X + R[1] * Y + R[2] * Z) + tx;
        out[i + n] = s * (R[3] * X + R[4] * Y + R[5] * Z) + ty;
    }
}

void fau_clnf_init_params(const fau_pdm *pdm, const float *shape3d, const float bbox[4],
                          const float rotation[3], float params_global[6])
{
    int n = pdm->n_points;
    float R[9];
    fau_clnf_euler_to_rotation(rotation, R);
    /* cv::Mat(R) * shape (3 x n): OpenCV's float gemm accumulates in double
     * and rounds each element to float; minMaxLoc then reports doubles. */
    double min_x = INFINITY, max_x = -INFINITY, min_y = INFINITY, max_y = -INFINITY;
    for (int i = 0; i < n; i++) {
        double X = shape3d[i], Y = shape3d[i + n], Z = shape3d[i + 2 * n];
        float x = (float)((double)R[0] * X + (double)R[1] * Y + (double)R[2] * Z);
        float y = (float)((double)R[3] * X + (double)R[4] * Y + (double)R[5] * Z);
        if (x < min_x)
            min_x = x;
        if (x > max_x)
            max_x = x;
        if (y < min_y)
            min_y = y;
        if (y > max_y)
            max_y = y;
    }
    float width = (float)fabs(min_x - max_x);
    float height = (float)fabs(min_y - max_y);
    float scaling = ((bbox[2] / width) + (bbox[3] / height)) / 2.0f;
    float tx = bbox[0] + bbox[2] / 2;
    float ty = bbox[1] + bbox[3] / 2;
    /* float * double: the correction is computed in double, then stored. */
    tx = (float)(tx - scaling * (min_x + max_x) / 2.0f);
    ty = (float)(ty - scaling * (min_y + max_y) / 2.0f);
    params_global[0] = scaling;
    params_global[1] = rotation[0];
    params_global[2] = rotation[1];
    params_global[3] = rotation[2];
    params_global[4] = tx;
    params_global[5] = ty;
}
