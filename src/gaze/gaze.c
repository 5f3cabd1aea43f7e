/* GazeAnalysis::EstimateGaze, GetPupilPosition, RaySphereIntersect and
 * GetGazeAngle of OpenFace 2.2, with its float/double conversions. */
#include "gaze/gaze.h"

#include <math.h>

#include "pose/ofmath.h"
#include "pose/pose.h"
#include "pose/rotation.h"

#define N_FACE 68
#define N_EYES (2 * FAU_GAZE_EYE_POINTS)

/* RaySphereIntersect, float arithmetic; note OpenFace's "/2*a" (divides by 2
 * then multiplies by a; a = 1 for the unit ray, so harmless). */
static void ray_sphere(const float dir[3], const float centre[3], float radius, float out[3])
{
    const float dx = dir[0], dy = dir[1], dz = dir[2];
    const float x0 = 0, y0 = 0, z0 = 0;
    const float cx = centre[0], cy = centre[1], cz = centre[2];
    const float r = radius;

    const float a = dx * dx + dy * dy + dz * dz;
    const float b = 2 * dx * (x0 - cx) + 2 * dy * (y0 - cy) + 2 * dz * (z0 - cz);
    const float c = cx * cx + cy * cy + cz * cz + x0 * x0 + y0 * y0 + z0 * z0 +
                    -2 * (cx * x0 + cy * y0 + cz * z0) - r * r;

#if FAU_OF_FLOAT_LIBM
    const float t = (-b - fau_of_sqrt(b * b - 4 * a * c)) / 2 * a;
#else
    /* sqrt(float) resolving to the C double sqrt promotes the rest. */
    const float t = (float)((-b - sqrt(b * b - 4 * a * c)) / 2 * a);
#endif

    /* No intersection: OpenFace points straight ahead. */
    if (b * b - 4 * a * c < 0) {
        out[0] = 0;
        out[1] = 0;
        out[2] = -1;
        return;
    }
    out[0] = x0 + dir[0] * t;
    out[1] = y0 + dir[1] * t;
    out[2] = z0 + dir[2] * t;
}

static void estimate_eye(const float *face3d, const float *eye3d, int eye, const float R[9],
                         float gaze[3])
{
    /* GetPupilPosition: cv::mean of the 8 iris points (double sum of floats,
     * exact here), stored as float. */
    double sum[3] = { 0, 0, 0 };
    for (int k = 0; k < 3; k++)
        for (int i = 0; i < 8; i++)
            sum[k] += eye3d[k * N_EYES + eye * FAU_GAZE_EYE_POINTS + i];
    const float pupil[3] = { (float)(sum[0] * (1. / 8)), (float)(sum[1] * (1. / 8)),
                             (float)(sum[2] * (1. / 8)) };

    /* rayDir = pupil / norm(pupil): cv::norm of a Point3f is a double, and
     * Point3f / double divides in double. */
    const double nrm = sqrt((double)pupil[0] * pupil[0] + (double)pupil[1] * pupil[1] +
                            (double)pupil[2] * pupil[2]);
    const float dir[3] = { (float)(pupil[0] / nrm), (float)(pupil[1] / nrm), (float)(pupil[2] / nrm) };

    /* Eyeball centre: midpoint of the eye corners (face points 36/39 or
     * 42/45) plus the head rotation applied to the offset (0, -3.5, 7). */
    const int c0 = 36 + eye * 6, c1 = 39 + eye * 6;
    /* (cv::Mat(rotMat) * offset).t() is evaluated as one float cv::gemm with
     * both operands transposed, which accumulates in double; the midpoint
     * (row36 + row39) / 2.0f is an addWeighted(0.5, 0.5), i.e. the halved
     * float sum. */
    const double offset[3] = { 0, -3.5, 7.0 };
    float centre[3];
    for (int k = 0; k < 3; k++) {
        const float mid = (face3d[k * N_FACE + c0] + face3d[k * N_FACE + c1]) * 0.5f;
        double s = 0;
        s += offset[0] * R[3 * k];
        s += offset[1] * R[3 * k + 1];
        s += offset[2] * R[3 * k + 2];
        centre[k] = mid + (float)s;
    }

    float hit[3];
    ray_sphere(dir, centre, 12, hit);
    const float axis[3] = { hit[0] - centre[0], hit[1] - centre[1], hit[2] - centre[2] };
    const double an = sqrt((double)axis[0] * axis[0] + (double)axis[1] * axis[1] +
                           (double)axis[2] * axis[2]);
    for (int k = 0; k < 3; k++)
        gaze[k] = (float)(axis[k] / an);
}

void fau_gaze_estimate(const float *face3d, const float *eye3d, const float pose[6], float gaze0[3],
                       float gaze1[3], float angle[2])
{
    float R[9];
    fau_euler_to_rotation(pose + 3, R);
    estimate_eye(face3d, eye3d, 0, R, gaze0);
    estimate_eye(face3d, eye3d, 1, R, gaze1);

    /* GetGazeAngle: float mean, atan2 of floats (same overload question as
     * RotationHelpers), kept in a double, returned in a Vec2f. */
    const float g[3] = { (gaze0[0] + gaze1[0]) / 2, (gaze0[1] + gaze1[1]) / 2,
                         (gaze0[2] + gaze1[2]) / 2 };
    angle[0] = fau_of_atan2(g[0], -g[2]);
    angle[1] = fau_of_atan2(g[1], -g[2]);
}

void fau_gaze_eye_landmarks(const float *const lmk2d[2], const float *const shape3d[2],
                            const float *const params_global[2], float fx, float fy, float cx,
                            float cy, float *eye2d, float *eye3d)
{
    enum { P = FAU_GAZE_EYE_POINTS };
    float cam[3 * P];
    for (int e = 0; e < 2; e++) {
        fau_pose_shape_camera(lmk2d[e], shape3d[e], P, params_global[e], fx, fy, cx, cy, cam);
        for (int i = 0; i < P; i++) {
            eye2d[e * P + i] = lmk2d[e][i];
            eye2d[N_EYES + e * P + i] = lmk2d[e][P + i];
            for (int k = 0; k < 3; k++)
                eye3d[k * N_EYES + e * P + i] = cam[k * P + i];
        }
    }
}
