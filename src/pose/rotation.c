/* Ports of OpenFace's RotationHelpers.h and OpenCV 4.6.0's cvRodrigues2
 * (vector -> matrix branch, modules/calib3d/src/calibration.cpp). */
#include "pose/rotation.h"

#include <float.h>
#include <stddef.h>
#include <math.h>

#include "pose/ofmath.h"

void fau_euler_to_rotation(const float euler[3], float r[9])
{
    /* Utilities::Euler2RotationMatrix, all float. */
    const float s1 = fau_of_sin(euler[0]), s2 = fau_of_sin(euler[1]), s3 = fau_of_sin(euler[2]);
    const float c1 = fau_of_cos(euler[0]), c2 = fau_of_cos(euler[1]), c3 = fau_of_cos(euler[2]);

    r[0] = c2 * c3;
    r[1] = -c2 * s3;
    r[2] = s2;
    r[3] = c1 * s3 + c3 * s1 * s2;
    r[4] = c1 * c3 - s1 * s2 * s3;
    r[5] = -c2 * s1;
    r[6] = s1 * s3 - c1 * c3 * s2;
    r[7] = c3 * s1 + c1 * s2 * s3;
    r[8] = c1 * c2;
}

void fau_rotation_to_euler(const float r[9], float euler[3])
{
    /* Utilities::RotationMatrix2Euler: via a quaternion, float arithmetic. */
    const float q0 = fau_of_sqrt(1 + r[0] + r[4] + r[8]) / 2.0f;
    const float q1 = (r[7] - r[5]) / (4.0f * q0);
    const float q2 = (r[2] - r[6]) / (4.0f * q0);
    const float q3 = (r[3] - r[1]) / (4.0f * q0);

    /* OpenFace clamps for precision-degenerate cases. */
    float t1 = 2.0f * (q0 * q2 + q1 * q3);
    if (t1 > 1)
        t1 = 1.0f;
    if (t1 < -1)
        t1 = -1.0f;

    const float yaw = fau_of_asin(t1);
    const float pitch = fau_of_atan2(2.0f * (q0 * q1 - q2 * q3), q0 * q0 - q1 * q1 - q2 * q2 + q3 * q3);
    const float roll = fau_of_atan2(2.0f * (q0 * q3 - q1 * q2), q0 * q0 + q1 * q1 - q2 * q2 - q3 * q3);

    euler[0] = pitch;
    euler[1] = yaw;
    euler[2] = roll;
}

void fau_rodrigues(const double rvec[3], double R[9], double *jac)
{
    /* cvRodrigues2, 3x1 -> 3x3. Expression order follows OpenCV's Matx
     * arithmetic (R = c*I + c1*rrt + s*[r]x, evaluated left to right). */
    double rx = rvec[0], ry = rvec[1], rz = rvec[2];
    const double theta = sqrt(rx * rx + ry * ry + rz * rz);

    if (theta < DBL_EPSILON) {
        for (int k = 0; k < 9; k++)
            R[k] = (k % 4 == 0) ? 1.0 : 0.0;
        if (jac) {
            for (int k = 0; k < 27; k++)
                jac[k] = 0;
            jac[5] = jac[15] = jac[19] = -1;
            jac[7] = jac[11] = jac[21] = 1;
        }
        return;
    }

    const double c = cos(theta);
    const double s = sin(theta);
    const double c1 = 1. - c;
    const double itheta = theta ? 1. / theta : 0.;

    rx *= itheta;
    ry *= itheta;
    rz *= itheta;

    const double rrt[9] = { rx * rx, rx * ry, rx * rz, rx * ry, ry * ry, ry * rz, rx * rz, ry * rz, rz * rz };
    const double r_x[9] = { 0, -rz, ry, rz, 0, -rx, -ry, rx, 0 };
    static const double I[9] = { 1, 0, 0, 0, 1, 0, 0, 0, 1 };

    for (int k = 0; k < 9; k++)
        R[k] = (c * I[k] + c1 * rrt[k]) + s * r_x[k];

    if (jac) {
        const double drrt[27] = { rx + rx, ry, rz, ry, 0, 0, rz, 0, 0,
                                  0, rx, 0, rx, ry + ry, rz, 0, rz, 0,
                                  0, 0, rx, 0, 0, ry, rx, ry, rz + rz };
        static const double d_r_x_[27] = { 0, 0, 0, 0, 0, -1, 0, 1, 0,
                                           0, 0, 1, 0, 0, 0, -1, 0, 0,
                                           0, -1, 0, 1, 0, 0, 0, 0, 0 };
        for (int i = 0; i < 3; i++) {
            const double ri = i == 0 ? rx : i == 1 ? ry : rz;
            const double a0 = -s * ri, a1 = (s - 2 * c1 * itheta) * ri, a2 = c1 * itheta;
            const double a3 = (c - s * itheta) * ri, a4 = s * itheta;
            for (int k = 0; k < 9; k++)
                jac[i * 9 + k] = a0 * I[k] + a1 * rrt[k] + a2 * drrt[i * 9 + k] +
                                 a3 * r_x[k] + a4 * d_r_x_[i * 9 + k];
        }
    }
}

void fau_axis_angle_to_euler(const float axis_angle[3], float euler[3])
{
    /* cv::Rodrigues(Vec3f, Matx33f): the vector is read as double, the
     * matrix computed in double and converted to float. */
    const double r[3] = { axis_angle[0], axis_angle[1], axis_angle[2] };
    double Rd[9];
    float Rf[9];
    fau_rodrigues(r, Rd, NULL);
    for (int k = 0; k < 9; k++)
        Rf[k] = (float)Rd[k];
    fau_rotation_to_euler(Rf, euler);
}
