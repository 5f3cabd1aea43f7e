/* The libm calls OpenFace's float code makes. RotationHelpers.h and
 * GazeEstimation.cpp call sin/cos/sqrt/asin/atan2 unqualified on float
 * arguments, outside namespace std, so they resolve to the C library's double
 * functions: the float is promoted, the result rounded back to float where it
 * is stored. Measured: with the double functions every pose value of the
 * video01, gaze_eyes_vp9, talking_glasses and image goldens is reproduced bit
 * for bit; with sinf/asinf/atan2f about 40% of the rows differ by a float ulp
 * (tests/test_pose.c). FAU_OF_FLOAT_LIBM=1 keeps the float variant for
 * experiments. */
#ifndef FAU_POSE_OFMATH_H
#define FAU_POSE_OFMATH_H

#include <math.h>

#ifndef FAU_OF_FLOAT_LIBM
#define FAU_OF_FLOAT_LIBM 0
#endif

#if FAU_OF_FLOAT_LIBM
static inline float fau_of_sin(float x) { return sinf(x); }
static inline float fau_of_cos(float x) { return cosf(x); }
static inline float fau_of_asin(float x) { return asinf(x); }
static inline float fau_of_atan2(float y, float x) { return atan2f(y, x); }
static inline float fau_of_sqrt(float x) { return sqrtf(x); }
#else
static inline float fau_of_sin(float x) { return (float)sin(x); }
static inline float fau_of_cos(float x) { return (float)cos(x); }
static inline float fau_of_asin(float x) { return (float)asin(x); }
static inline float fau_of_atan2(float y, float x) { return (float)atan2(y, x); }
static inline float fau_of_sqrt(float x) { return (float)sqrt(x); }
#endif

#endif
