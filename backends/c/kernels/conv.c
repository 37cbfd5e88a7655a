/* First and one-past-last kernel taps k whose input index o*s - pad + k*d
 * lies in [0, size). */
static void qc_tap_range(int32_t start, int32_t taps, int32_t d, int32_t size, int32_t* k0,
                         int32_t* k1) {
  int32_t a = 0, b = taps;
  while (a < taps && start + a * d < 0) ++a;
  while (b > a && start + (b - 1) * d >= size) --b;
  *k0 = a;
  *k1 = b;
}

void qc_conv(const int8_t* in, int8_t* out, const qc_conv_t* p) {
  const int32_t cg = p->c / p->group, mg = p->m / p->group;
  const int32_t taps = p->kh * p->kw;
  int32_t n, m, oy, ox, c, ky, kx;
  for (n = 0; n < p->n; ++n) {
    for (m = 0; m < p->m; ++m) {
      const int8_t* xg = in + ((size_t)n * p->c + (size_t)(m / mg) * cg) * p->h * p->w;
      const int8_t* wm = p->weights + (size_t)m * cg * taps;
      for (oy = 0; oy < p->oh; ++oy) {
        const int32_t iy = oy * p->sh - p->ph;
        int32_t ky0, ky1;
        qc_tap_range(iy, p->kh, p->dh, p->h, &ky0, &ky1);
        for (ox = 0; ox < p->ow; ++ox) {
          const int32_t ix = ox * p->sw - p->pw;
          int32_t kx0, kx1, acc = p->bias[m];
          qc_tap_range(ix, p->kw, p->dw, p->w, &kx0, &kx1);
          for (c = 0; c < cg; ++c) {
            const int8_t* xc = xg + (size_t)c * p->h * p->w;
            const int8_t* wc = wm + (size_t)c * taps;
            for (ky = ky0; ky < ky1; ++ky) {
              const int8_t* xr = xc + (size_t)(iy + ky * p->dh) * p->w + ix;
              const int8_t* wr = wc + ky * p->kw;
              for (kx = kx0; kx < kx1; ++kx) {
                acc += ((int32_t)xr[kx * p->dw] - p->in_zp) * wr[kx];
              }
            }
          }
          *out++ = qc_requant(&p->rq, acc, m);
        }
      }
    }
  }
}
