/* The libm calls OpenFace's float code makes. RotationHelpers.h and
 * GazeEstimation.cpp call sin/cos/sqrt/asin/atan2 unqualified on float
 * arguments; which overload the reference build resolved to (the float
 * std:: overloads or the double C functions, with the result rounded back to
 * float) was measured against the golden outputs, see the report in
 * tests/test_pose.c. */
#ifndef FAU_POSE_OFMATH_H
#define FAU_POSE_OFMATH_H

#include <math.h>

#ifndef FAU_OF_FLOAT_LIBM
#define FAU_OF_FLOAT_LIBM 1
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
