/* Everything OpenFace writes for one face in one frame, in OpenFace's own
 * types (float where it keeps cv::Mat_<float>/Vec6f/Point3f, double for
 * confidence and AU predictions), so formatting reproduces its CSV exactly. */
#ifndef FAU_CORE_RESULT_H
#define FAU_CORE_RESULT_H

#define FAU_N_LANDMARKS 68
#define FAU_N_EYE_LANDMARKS 56
#define FAU_MAX_MODES 64
#define FAU_MAX_AUS 24

typedef struct fau_face_result {
    int frame;            /* 1-based frame number (video) */
    int face_id;          /* face index */
    double timestamp;     /* seconds */
    double confidence;    /* detection certainty mapped to [0,1] */
    int success;          /* landmark detection success */
    float gaze0[3], gaze1[3]; /* unit gaze vectors, eye 0 = leftmost in the image */
    float gaze_angle[2];
    float eye_lmk2d[2][FAU_N_EYE_LANDMARKS];   /* [0] x, [1] y, px */
    float eye_lmk3d[3][FAU_N_EYE_LANDMARKS];   /* X, Y, Z, mm */
    float pose[6];        /* Tx Ty Tz (mm), Rx Ry Rz (rad) */
    float lmk2d[2 * FAU_N_LANDMARKS];          /* x0..x67, y0..y67 */
    float lmk3d[3 * FAU_N_LANDMARKS];          /* X0..X67, Y.., Z.. */
    float params_global[6];                    /* scale, rx, ry, rz, tx, ty */
    float params_local[FAU_MAX_MODES];
    int n_modes;
    double au_r[FAU_MAX_AUS];  /* intensities, in CSV (sorted name) order */
    double au_c[FAU_MAX_AUS];  /* presence */
} fau_face_result;

#endif
