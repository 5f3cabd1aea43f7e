/* Iterative PnP refinement from an extrinsic guess: a port of what
 * cv::solvePnP(..., useExtrinsicGuess = true, SOLVEPNP_ITERATIVE) does in
 * OpenCV 4.6.0 with no lens distortion: cvFindExtrinsicCameraParams2's
 * Levenberg-Marquardt loop (CvLevMarq, 20 iterations, epsilon FLT_EPSILON)
 * over cvProjectPoints2 and its Jacobians, with the normal equations solved
 * by OpenCV's Jacobi SVD (cv::solve, DECOMP_SVD). */
#ifndef FAU_POSE_PNP_H
#define FAU_POSE_PNP_H

/* Largest point count fau_pnp_refine accepts (scratch lives on the stack). */
#define FAU_PNP_MAX_POINTS 128

/* obj: n points X,Y,Z interleaved; img: n points x,y interleaved (pixels);
 * param: in = guess (rvec[3], tvec[3]), out = refined. Returns the number of
 * LM iterations, or -1 if n is outside [4, FAU_PNP_MAX_POINTS]. Pure, no
 * allocation, thread-safe. */
int fau_pnp_refine(const double *obj, const double *img, int n, double fx, double fy, double cx,
                   double cy, double param[6]);

#endif
