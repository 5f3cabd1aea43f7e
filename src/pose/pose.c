/* LandmarkDetector::GetPose and CLNF::GetShape of OpenFace 2.2
 * (LandmarkDetectorFunc.cpp, LandmarkDetectorModel.cpp) and the default
 * intrinsics of Utilities::SequenceCapture / ImageCapture. */
#include "pose/pose.h"

#include "core/error.h"
#include "pose/pnp.h"
#include "pose/rotation.h"

void fau_pose_default_intrinsics(int width, int height, float *fx, float *fy, float *cx, float *cy)
{
    *cx = width / 2.0f;
    *cy = height / 2.0f;
    const float fxw = 500.0f * (width / 640.0f);
    const float fyh = 500.0f * (height / 480.0f);
    *fx = (fxw + fyh) / 2.0f;
    *fy = *fx;
}

int fau_pose_estimate(const float *lmk2d, const float *shape3d, int n, const float params_global[6],
                      float fx, float fy, float cx, float cy, float pose_out[6])
{
    if (n < 4 || n > FAU_PNP_MAX_POINTS)
        return FAU_EINVAL;
    if (params_global[0] == 0) {
        for (int i = 0; i < 6; i++)
            pose_out[i] = 0;
        return FAU_OK;
    }

    /* Initial estimate: weak-perspective depth, float as OpenFace (the
     * 1.0/fx factor is a double, so the products are double). */
    const float Z = fx / params_global[0];
    const float X = (float)(((params_global[4] - cx) * (1.0 / fx)) * Z);
    const float Y = (float)(((params_global[5] - cy) * (1.0 / fy)) * Z);

    /* solvePnP converts the float points, camera matrix and Vec3f guesses to
     * double (cvConvert) and the result back to float. */
    double obj[3 * FAU_PNP_MAX_POINTS], img[2 * FAU_PNP_MAX_POINTS];
    for (int i = 0; i < n; i++) {
        obj[3 * i] = shape3d[i];
        obj[3 * i + 1] = shape3d[n + i];
        obj[3 * i + 2] = shape3d[2 * n + i];
        img[2 * i] = lmk2d[i];
        img[2 * i + 1] = lmk2d[n + i];
    }
    double param[6] = { params_global[1], params_global[2], params_global[3], X, Y, Z };
    fau_pnp_refine(obj, img, n, fx, fy, cx, cy, param);

    const float rvec[3] = { (float)param[0], (float)param[1], (float)param[2] };
    float euler[3];
    fau_axis_angle_to_euler(rvec, euler);
    pose_out[0] = (float)param[3];
    pose_out[1] = (float)param[4];
    pose_out[2] = (float)param[5];
    pose_out[3] = euler[0];
    pose_out[4] = euler[1];
    pose_out[5] = euler[2];
    return FAU_OK;
}

void fau_pose_shape_camera(const float *lmk2d, const float *shape3d, int n,
                           const float params_global[6], float fx, float fy, float cx, float cy,
                           float *out)
{
    float R[9];
    fau_euler_to_rotation(params_global + 1, R);

    /* shape3d.t() * R.t() is a float cv::gemm with 3-term dot products,
     * accumulated in double (GEMMSingleMul<float,double>); products of two
     * floats are exact in double, so the order is all that matters. Only the
     * depth column is used. */
    const float Zavg = fx / params_global[0];
    for (int i = 0; i < n; i++) {
        double s = 0;
        s += (double)shape3d[i] * R[6];
        s += (double)shape3d[n + i] * R[7];
        s += (double)shape3d[2 * n + i] * R[8];
        const float Z = Zavg + (float)s;
        out[i] = Z * ((lmk2d[i] - cx) / fx);
        out[n + i] = Z * ((lmk2d[n + i] - cy) / fy);
        out[2 * n + i] = Z;
    }
}
