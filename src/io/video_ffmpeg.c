/* Video files through FFmpeg (libavformat/libavcodec/libswscale),
 * reproducing what OpenFace 2.2's SequenceCapture gets from
 * cv::VideoCapture::read() with OpenCV 4.6's FFmpeg backend
 * (videoio/src/cap_ffmpeg_impl.hpp, CvCapture_FFMPEG):
 *  - the first video stream; packets of other streams are skipped; at the
 *    end of the file the decoder is drained with a NULL packet;
 *  - each frame converted with sws_getCachedContext(coded_width,
 *    coded_height, frame format -> same size, AV_PIX_FMT_BGR24,
 *    SWS_BICUBIC) and sws_scale of the frame's rows into a buffer from
 *    av_frame_get_buffer(..., 32). No sws_setColorspaceDetails call, so
 *    swscale's defaults apply (BT.601 matrix, range from the pixel format:
 *    yuvj* full, others limited) whatever the stream's colour tags say;
 *  - rotation from the display matrix side data applied with cv::rotate
 *    (CAP_PROP_ORIENTATION_AUTO is on by default):
 *    angle = -round(av_display_rotation_get()), wrapped to [0, 360);
 *  - fps = avg_frame_rate, else 1 / time_base (CvCapture_FFMPEG::get_fps);
 *    OpenFace replaces a non-positive or NaN value with 30;
 *  - frame count = nb_frames, else round(duration * fps).
 * Deliberate difference: OpenCV skips packets that fail to decode (up to
 * 4096 in a row) and goes on; here a decode error, a frame flagged corrupt
 * or a packet that silently yields no frame is fatal unless
 * fau_media_open_opts.allow_decode_errors is set, because a dropped frame
 * shifts every later frame number and timestamp. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/display.h>
#include <libavutil/imgutils.h>
#include <libswscale/swscale.h>

#include "core/mem.h"
#include "io/media_internal.h"

/* Upper bound on demux/decode steps per fau_media_next call: a step reads
 * one packet or receives one frame, so a real file never comes close. */
#define FAU_VIDEO_MAX_STEPS 50000000

typedef struct vstate {
    char *path;
    AVFormatContext *fmt;
    AVCodecContext *dec;
    AVPacket *pkt;
    AVFrame *frame;
    AVFrame *rgb;
    struct SwsContext *sws;
    int sws_w, sws_h, sws_fmt, sws_frame_w, sws_frame_h;
    int stream;
    int rotation;
    int allow_errors;
    int eof_sent, finished, have_frame;
    int64_t packets_sent, frames_out, errors_skipped;
    uint8_t *rot; /* rotation scratch, reused */
    size_t rot_cap;
} vstate;

static const char *averr(int err, char *buf, size_t n)
{
    av_strerror(err, buf, n);
    return buf;
}

static void vclose(void *st)
{
    vstate *s = st;
    if (!s)
        return;
    sws_freeContext(s->sws);
    av_frame_free(&s->rgb);
    av_frame_free(&s->frame);
    av_packet_free(&s->pkt);
    avcodec_free_context(&s->dec);
    avformat_close_input(&s->fmt);
    fau_aligned_free(s->rot);
    free(s->path);
    free(s);
}

static double r2d(AVRational r)
{
    return r.num == 0 || r.den == 0 ? 0.0 : (double)r.num / (double)r.den;
}

/* CvCapture_FFMPEG::retrieveFrame + cv::rotate + cvtColor into f. */
static int convert_frame(vstate *s, fau_frame *f, fau_error *e)
{
    AVFrame *in = s->frame;
    char eb[128];
    if (!s->sws || in->width != s->sws_frame_w || in->height != s->sws_frame_h ||
        in->format != s->sws_fmt) {
        int bw = s->dec->coded_width > in->width ? s->dec->coded_width : in->width;
        int bh = s->dec->coded_height > in->height ? s->dec->coded_height : in->height;
        int rc = fau_check_image_size(s->path, in->width, in->height, e);
        if (rc < 0)
            return rc;
        if (bw > FAU_MAX_IMAGE_SIDE + 64 || bh > FAU_MAX_IMAGE_SIDE + 64)
            return fau_error_set(e, FAU_EFORMAT, "\"%s\": coded size %dx%d is too large", s->path,
                                 bw, bh);
        s->sws = sws_getCachedContext(s->sws, bw, bh, (enum AVPixelFormat)in->format, bw, bh,
                                      AV_PIX_FMT_BGR24, SWS_BICUBIC, NULL, NULL, NULL);
        if (!s->sws)
            return fau_error_set(e, FAU_EUNSUPPORTED,
                                 "\"%s\": cannot convert pixel format %s to BGR", s->path,
                                 av_get_pix_fmt_name((enum AVPixelFormat)in->format));
        av_frame_unref(s->rgb);
        s->rgb->format = AV_PIX_FMT_BGR24;
        s->rgb->width = bw;
        s->rgb->height = bh;
        int ret = av_frame_get_buffer(s->rgb, 32);
        if (ret < 0)
            return fau_error_set(e, FAU_ENOMEM, "\"%s\": cannot allocate a %dx%d frame: %s",
                                 s->path, bw, bh, averr(ret, eb, sizeof eb));
        s->sws_w = bw;
        s->sws_h = bh;
        s->sws_fmt = in->format;
        s->sws_frame_w = in->width;
        s->sws_frame_h = in->height;
    }
    sws_scale(s->sws, (const uint8_t *const *)in->data, in->linesize, 0, in->height, s->rgb->data,
              s->rgb->linesize);

    int w = in->width, h = in->height;
    int rot = s->rotation;
    int ow = (rot == 90 || rot == 270) ? h : w, oh = (rot == 90 || rot == 270) ? w : h;
    int rc = fau_frame_reserve(f, ow, oh, e, s->path);
    if (rc < 0)
        return rc;
    const uint8_t *src = s->rgb->data[0];
    size_t sstride = (size_t)s->rgb->linesize[0];
    if (rot == 0) {
        for (int y = 0; y < h; y++)
            memcpy(f->bgr + (size_t)y * f->bgr_stride, src + (size_t)y * sstride, (size_t)w * 3);
    } else {
        fau_bgr_rotate(src, sstride, w, h, rot, f->bgr, f->bgr_stride);
    }
    fau_frame_bgr_to_gray(f);
    return FAU_OK;
}

static int decode_error(vstate *s, int ret, const char *what, fau_error *e)
{
    char eb[128];
    return fau_error_set(e, FAU_EDECODE,
                         "\"%s\": video decoding failed %s frame %lld (%s); the file is damaged "
                         "(decode errors are fatal unless allow_decode_errors is set)",
                         s->path, what, (long long)s->frames_out,
                         ret ? averr(ret, eb, sizeof eb) : "frame marked corrupt");
}

static int vnext(void *st, fau_frame *f, fau_error *e)
{
    vstate *s = st;
    char eb[128];
    if (s->finished)
        return 0;
    for (long step = 0; step < FAU_VIDEO_MAX_STEPS; step++) {
        int ret = avcodec_receive_frame(s->dec, s->frame);
        if (ret == 0) {
            s->have_frame = 1;
            if ((s->frame->flags & AV_FRAME_FLAG_CORRUPT) || s->frame->decode_error_flags) {
                if (!s->allow_errors)
                    return decode_error(s, 0, "at", e);
                s->errors_skipped++;
                continue;
            }
            s->frames_out++;
            int rc = convert_frame(s, f, e);
            return rc < 0 ? rc : 1;
        }
        if (ret == AVERROR_EOF) {
            s->finished = 1;
            if (s->frames_out == 0)
                return fau_error_set(e, FAU_EDECODE,
                                     "\"%s\": no video frame could be decoded (damaged or "
                                     "truncated file)",
                                     s->path);
            if (!s->allow_errors && s->frames_out < s->packets_sent)
                return fau_error_set(e, FAU_EDECODE,
                                     "\"%s\": %lld of %lld video packets produced no frame "
                                     "(damaged stream); decode errors are fatal unless "
                                     "allow_decode_errors is set",
                                     s->path, (long long)(s->packets_sent - s->frames_out),
                                     (long long)s->packets_sent);
            return 0;
        }
        if (ret != AVERROR(EAGAIN)) {
            if (!s->allow_errors)
                return decode_error(s, ret, "after", e);
            s->errors_skipped++;
            continue;
        }
        if (s->eof_sent) /* EAGAIN after draining started cannot happen */
            return fau_error_set(e, FAU_EDECODE, "\"%s\": decoder stalled at the end", s->path);
        ret = av_read_frame(s->fmt, s->pkt);
        if (ret == AVERROR_EOF) {
            s->eof_sent = 1;
            ret = avcodec_send_packet(s->dec, NULL);
            if (ret < 0 && ret != AVERROR_EOF)
                return decode_error(s, ret, "after", e);
            continue;
        }
        if (ret < 0)
            return fau_error_set(e, FAU_EIO, "\"%s\": cannot read the video after frame %lld: %s",
                                 s->path, (long long)s->frames_out, averr(ret, eb, sizeof eb));
        if (s->pkt->stream_index != s->stream) {
            av_packet_unref(s->pkt);
            continue;
        }
        ret = avcodec_send_packet(s->dec, s->pkt);
        av_packet_unref(s->pkt);
        s->packets_sent++;
        if (ret < 0) {
            if (!s->allow_errors)
                return decode_error(s, ret, "after", e);
            s->errors_skipped++;
        }
    }
    return fau_error_set(e, FAU_EDECODE, "\"%s\": no progress after %d demux/decode steps",
                         s->path, FAU_VIDEO_MAX_STEPS);
}

static const char *vcurrent_path(const void *st)
{
    return ((const vstate *)st)->path;
}

int fau_video_ffmpeg_last_yuv(void *state, const uint8_t *planes[3], int strides[3], int *w,
                              int *h)
{
    vstate *s = state;
    if (!s || !s->have_frame || !s->frame->data[0])
        return -1;
    for (int i = 0; i < 3; i++) {
        planes[i] = s->frame->data[i];
        strides[i] = s->frame->linesize[i];
    }
    *w = s->frame->width;
    *h = s->frame->height;
    return s->frame->format;
}

int fau_video_ffmpeg_open(fau_media_reader *r, fau_media_info *info, const char *path,
                          const fau_media_open_opts *opts, fau_error *e)
{
    char eb[128];
    int rc = FAU_OK, ret;
    vstate *s = calloc(1, sizeof *s);
    if (!s)
        return fau_error_set(e, FAU_ENOMEM, "\"%s\": out of memory", path);
    s->path = strdup(path);
    s->pkt = av_packet_alloc();
    s->frame = av_frame_alloc();
    s->rgb = av_frame_alloc();
    if (!s->path || !s->pkt || !s->frame || !s->rgb) {
        rc = fau_error_set(e, FAU_ENOMEM, "\"%s\": out of memory", path);
        goto fail;
    }
    s->allow_errors = opts->allow_decode_errors;

    ret = avformat_open_input(&s->fmt, path, NULL, NULL);
    if (ret < 0) {
        rc = fau_error_set(e, FAU_EFORMAT,
                           "\"%s\": not a readable video file: %s (unknown format, or a damaged or "
                           "truncated container)",
                           path, averr(ret, eb, sizeof eb));
        goto fail;
    }
    ret = avformat_find_stream_info(s->fmt, NULL);
    if (ret < 0) {
        rc = fau_error_set(e, FAU_EFORMAT, "\"%s\": cannot read stream information: %s", path,
                           averr(ret, eb, sizeof eb));
        goto fail;
    }
    /* CvCapture_FFMPEG::open takes the first video stream; cover art
     * (attached pictures) is not video. */
    s->stream = -1;
    for (unsigned i = 0; i < s->fmt->nb_streams; i++) {
        const AVStream *st = s->fmt->streams[i];
        if (st->codecpar->codec_type == AVMEDIA_TYPE_VIDEO &&
            !(st->disposition & AV_DISPOSITION_ATTACHED_PIC)) {
            s->stream = (int)i;
            break;
        }
    }
    if (s->stream < 0) {
        rc = fau_error_set(e, FAU_EFORMAT, "\"%s\": no video stream (audio-only or not a video)",
                           path);
        goto fail;
    }
    AVStream *st = s->fmt->streams[s->stream];
    rc = fau_check_image_size(path, st->codecpar->width, st->codecpar->height, e);
    if (rc < 0)
        goto fail;
    const AVCodec *codec = avcodec_find_decoder(st->codecpar->codec_id);
    if (!codec) {
        rc = fau_error_set(e, FAU_EUNSUPPORTED, "\"%s\": no decoder for video codec %s", path,
                           avcodec_get_name(st->codecpar->codec_id));
        goto fail;
    }
    s->dec = avcodec_alloc_context3(codec);
    if (!s->dec) {
        rc = fau_error_set(e, FAU_ENOMEM, "\"%s\": out of memory", path);
        goto fail;
    }
    ret = avcodec_parameters_to_context(s->dec, st->codecpar);
    if (ret < 0) {
        rc = fau_error_set(e, FAU_EFORMAT, "\"%s\": bad codec parameters: %s", path,
                           averr(ret, eb, sizeof eb));
        goto fail;
    }
    s->dec->pkt_timebase = st->time_base;
    /* Threads change speed only: FFmpeg's decoders are bit-exact across
     * thread counts. 0 lets FFmpeg pick (OpenCV uses the CPU count). */
    s->dec->thread_count = opts->threads > 0 ? opts->threads : 0;
    if (!s->allow_errors)
        s->dec->err_recognition |= AV_EF_EXPLODE;
    ret = avcodec_open2(s->dec, codec, NULL);
    if (ret < 0) {
        rc = fau_error_set(e, FAU_EUNSUPPORTED, "\"%s\": cannot open the %s decoder: %s", path,
                           codec->name, averr(ret, eb, sizeof eb));
        goto fail;
    }

    /* CvCapture_FFMPEG::get_rotation_angle */
    const uint8_t *dm = av_stream_get_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, NULL);
    int rot = 0;
    if (dm) {
        double a = av_display_rotation_get((const int32_t *)dm);
        if (a == a) {
            rot = -(int)lrint(a);
            if (rot < 0)
                rot += 360;
        }
    }
    /* applyMetadataRotation rotates only for exact multiples of 90. */
    s->rotation = (rot == 90 || rot == 180 || rot == 270) ? rot : 0;

    /* CvCapture_FFMPEG::get_fps, then SequenceCapture's fallback to 30. */
    double fps = r2d(st->avg_frame_rate);
    if (fps < 0.000025) {
        double tb = r2d(st->time_base);
        fps = tb > 0 ? 1.0 / tb : 0.0;
    }
    if (!(fps > 0) || !isfinite(fps))
        fps = 30.0;
    /* CvCapture_FFMPEG::get_total_frames */
    int64_t nbf = st->nb_frames;
    if (nbf == 0) {
        double sec = (double)s->fmt->duration / (double)AV_TIME_BASE;
        if (sec < 0.000025)
            sec = (double)st->duration * r2d(st->time_base);
        nbf = (int64_t)floor(sec * fps + 0.5);
    }

    info->kind = FAU_MEDIA_VIDEO;
    int w = st->codecpar->width, h = st->codecpar->height;
    info->width = (s->rotation == 90 || s->rotation == 270) ? h : w;
    info->height = (s->rotation == 90 || s->rotation == 270) ? w : h;
    info->fps = fps;
    info->frame_count = nbf > 0 ? nbf : -1;
    info->rotation = s->rotation;
    snprintf(info->codec, sizeof info->codec, "%s", codec->name);

    r->state = s;
    r->next = vnext;
    r->current_path = vcurrent_path;
    r->close = vclose;
    return FAU_OK;
fail:
    vclose(s);
    return rc;
}
