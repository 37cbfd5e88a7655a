/* Max over the window's real taps (a window of padding only gives -128). */
void qc_max_pool(const int8_t* in, int8_t* out, const qc_pool_t* p) {
  int32_t c, oy, ox, ky, kx;
  for (c = 0; c < p->nc; ++c) {
    const int8_t* x = in + (size_t)c * p->h * p->w;
    for (oy = 0; oy < p->oh; ++oy) {
      for (ox = 0; ox < p->ow; ++ox) {
        int32_t best = -128;
        for (ky = 0; ky < p->kh; ++ky) {
          const int32_t iy = oy * p->sh - p->ph + ky * p->dh;
          if (iy < 0 || iy >= p->h) continue;
          for (kx = 0; kx < p->kw; ++kx) {
            const int32_t ix = ox * p->sw - p->pw + kx * p->dw;
            if (ix >= 0 && ix < p->w && x[iy * p->w + ix] > best) best = x[iy * p->w + ix];
          }
        }
        *out++ = (int8_t)best;
      }
    }
  }
}
