/* First output index whose whole window lies inside the input, and one past
 * the last: o * s - pad >= 0 and o * s - pad + (k - 1) * d <= size - 1. */
static int32_t qc_full_begin(int32_t pad, int32_t s, int32_t out) {
  const int32_t o = (pad + s - 1) / s;
  return o < out ? o : out;
}
static int32_t qc_full_end(int32_t size, int32_t k, int32_t s, int32_t d, int32_t pad, int32_t out) {
  const int32_t num = size - 1 + pad - (k - 1) * d;
  const int32_t o = num < 0 ? 0 : num / s + 1;
  return o < out ? o : out;
}

/* First and one-past-last taps k of a window starting at `start` whose
 * input index start + k * d lies in [0, size). */
static void qc_tap_range(int32_t start, int32_t taps, int32_t d, int32_t size, int32_t* k0,
                         int32_t* k1) {
  int32_t a = 0, b = taps;
  while (a < taps && start + a * d < 0) ++a;
  while (b > a && start + (b - 1) * d >= size) --b;
  *k0 = a;
  *k1 = b;
}

/* A window that touches the padding: its taps inside the input, centered. */
static int32_t qc_conv_border(const int8_t* xg, const int8_t* wm, const qc_conv_t* p, int32_t cg,
                              int32_t oy, int32_t ox, int32_t acc) {
  const int32_t iy = oy * p->sh - p->ph, ix = ox * p->sw - p->pw, zp = p->in_zp;
  int32_t ky0, ky1, kx0, kx1, c, ky, kx;
  qc_tap_range(iy, p->kh, p->dh, p->h, &ky0, &ky1);
  qc_tap_range(ix, p->kw, p->dw, p->w, &kx0, &kx1);
  for (c = 0; c < cg; ++c) {
    for (ky = ky0; ky < ky1; ++ky) {
      const int8_t* xp = xg + ((size_t)c * p->h + iy + ky * p->dh) * p->w + ix + kx0 * p->dw;
      const int8_t* wp = wm + (c * p->kh + ky) * p->kw;
      for (kx = kx0; kx < kx1; ++kx, xp += p->dw) acc += (*xp - zp) * wp[kx];
    }
  }
  return acc;
}

/* sum x * w over a window that lies inside the input: cg channels `plane`
 * apart, kh rows `row` apart, kw taps `dw` apart; weights in order. */
static QC_NOINLINE int32_t qc_dot_window(const int8_t* x, const int8_t* wp, int32_t cg,
                                         int32_t plane, int32_t kh, int32_t row, int32_t kw,
                                         int32_t dw, int32_t acc) {
  int32_t c, ky;
  for (c = 0; c < cg; ++c, x += plane) {
    const int8_t* xr = x;
    for (ky = 0; ky < kh; ++ky, xr += row) {
      const int8_t* xp = xr;
      const int8_t* end = wp + kw;
      while (wp < end) {
        acc += *xp * *wp++;
        xp += dw;
      }
    }
  }
  return acc;
}

void qc_conv(const int8_t* in, int8_t* out, const qc_conv_t* p) {
  const int32_t h = p->h, w = p->w, oh = p->oh, ow = p->ow, kh = p->kh, kw = p->kw;
  const int32_t sh = p->sh, sw = p->sw, dh = p->dh, dw = p->dw, ph = p->ph, pw = p->pw;
  const int32_t cg = p->c / p->group, mg = p->m / p->group, taps = kh * kw;
  const int32_t oy0 = qc_full_begin(ph, sh, oh), oy1 = qc_full_end(h, kh, sh, dh, ph, oh);
  const int32_t ox0 = qc_full_begin(pw, sw, ow), ox1 = qc_full_end(w, kw, sw, dw, pw, ow);
  int32_t n, m, oy, ox, i;
  for (n = 0; n < p->n; ++n) {
    for (m = 0; m < p->m; ++m) {
      const int8_t* xg = in + ((size_t)n * p->c + (size_t)(m / mg) * cg) * h * w;
      const int8_t* wm = p->weights + (size_t)m * cg * taps;
      /* Inside the input, sum (x - zp) w = sum x w - zp sum w. */
      int32_t wsum = 0, bias_full;
      for (i = 0; i < cg * taps; ++i) wsum += wm[i];
      bias_full = p->bias[m] - p->in_zp * wsum;
      for (oy = 0; oy < oh; ++oy) {
        for (ox = 0; ox < ow; ++ox) {
          int32_t acc;
          if (oy >= oy0 && oy < oy1 && ox >= ox0 && ox < ox1) {
            acc = qc_dot_window(xg + (size_t)(oy * sh - ph) * w + (ox * sw - pw), wm, cg, h * w,
                                kh, dh * w, kw, dw, bias_full);
          } else {
            acc = qc_conv_border(xg, wm, p, cg, oy, ox, p->bias[m]);
          }
          *out++ = qc_requant(&p->rq, acc, m);
        }
      }
    }
  }
}
