/* Sum of the window's real taps, requantized (the multiplier holds the
 * 1 / count; per_count: one entry per number of real taps). */
void qc_avg_pool(const int8_t* in, int8_t* out, const qc_pool_t* p) {
  const int32_t pre = (int32_t)1 << p->pre_shift;
  int32_t c, oy, ox, ky, kx;
  for (c = 0; c < p->nc; ++c) {
    const int8_t* x = in + (size_t)c * p->h * p->w;
    for (oy = 0; oy < p->oh; ++oy) {
      for (ox = 0; ox < p->ow; ++ox) {
        int32_t sum = 0, count = 0;
        for (ky = 0; ky < p->kh; ++ky) {
          const int32_t iy = oy * p->sh - p->ph + ky * p->dh;
          if (iy < 0 || iy >= p->h) continue;
          for (kx = 0; kx < p->kw; ++kx) {
            const int32_t ix = ox * p->sw - p->pw + kx * p->dw;
            if (ix < 0 || ix >= p->w) continue;
            sum += (int32_t)x[iy * p->w + ix] - p->in_zp;
            ++count;
          }
        }
        *out++ = qc_requant(&p->rq, sum * pre, p->per_count && count > 0 ? count - 1 : 0);
      }
    }
  }
}
