/* Output columns are computed in blocks of QC_CONV_BLOCK with int32
 * accumulators on the stack (128 bytes). For each kernel column kx, the
 * columns of the block whose tap lies inside the input form one run; every
 * (channel, row) then adds w * (x - zp) along that run. No per-tap bounds
 * checks, and taps in the padding are simply never visited. */
#define QC_CONV_BLOCK 32

/* [*lo, *hi): outputs o in [o0, o1) with 0 <= o * s + off < size. */
static void qc_valid_run(int32_t o0, int32_t o1, int32_t s, int32_t off, int32_t size, int32_t* lo,
                         int32_t* hi) {
  int32_t a = o0, b = o1;
  while (a < b && a * s + off < 0) ++a;
  while (b > a && (b - 1) * s + off >= size) --b;
  *lo = a;
  *hi = b;
}

/* acc[i] += (x[i * sw] - zp) * wv for i < k (k >= 1): one kernel tap along
 * a run of output columns. Kept out of line so its handful of variables
 * stay in registers. */
static QC_NOINLINE void qc_conv_run(int32_t* acc, const int8_t* x, int32_t k, int32_t sw,
                                    int32_t wv, int32_t zp) {
  do {
    *acc++ += (*x - zp) * wv;
    x += sw;
  } while (--k);
}

void qc_conv(const int8_t* in, int8_t* out, const qc_conv_t* p) {
  int32_t acc[QC_CONV_BLOCK];
  const int32_t h = p->h, w = p->w, kh = p->kh, kw = p->kw, sw = p->sw;
  const int32_t cg = p->c / p->group, mg = p->m / p->group;
  const int32_t plane = h * w, row = p->dh * w, taps = kh * kw;
  int32_t n, m, oy, ox0, c, ky, kx, i;
  for (n = 0; n < p->n; ++n) {
    for (m = 0; m < p->m; ++m) {
      const int8_t* xg = in + ((size_t)n * p->c + (size_t)(m / mg) * cg) * plane;
      const int8_t* wm = p->weights + (size_t)m * cg * taps;
      for (oy = 0; oy < p->oh; ++oy) {
        const int32_t iy = oy * p->sh - p->ph;
        int32_t ky0, ky1;
        qc_valid_run(0, kh, p->dh, iy, h, &ky0, &ky1);
        for (ox0 = 0; ox0 < p->ow; ox0 += QC_CONV_BLOCK) {
          const int32_t nb = p->ow - ox0 < QC_CONV_BLOCK ? p->ow - ox0 : QC_CONV_BLOCK;
          for (i = 0; i < nb; ++i) acc[i] = p->bias[m];
          for (kx = 0; kx < kw; ++kx) {
            const int32_t off = kx * p->dw - p->pw;
            const int8_t* xc;
            const int8_t* wc;
            int32_t lo, hi;
            qc_valid_run(ox0, ox0 + nb, sw, off, w, &lo, &hi);
            if (lo >= hi) continue;
            xc = xg + (size_t)(iy + ky0 * p->dh) * w + lo * sw + off;
            wc = wm + ky0 * kw + kx;
            for (c = 0; c < cg; ++c, xc += plane, wc += taps) {
              const int8_t* xr = xc;
              const int8_t* wr = wc;
              for (ky = ky0; ky < ky1; ++ky, xr += row, wr += kw) {
                if (*wr != 0) qc_conv_run(acc + (lo - ox0), xr, hi - lo, sw, *wr, p->in_zp);
              }
            }
          }
          for (i = 0; i < nb; ++i) *out++ = qc_requant(&p->rq, acc[i], m);
        }
      }
    }
  }
}
