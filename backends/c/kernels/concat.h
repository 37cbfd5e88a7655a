/* One input of a Concat: `outer` rows of `slice` elements, written every
 * `out_row` elements of the output (starting at the caller's offset). */
typedef struct {
  int32_t outer, slice, out_row;
  int32_t copy; /* 1: same parameters as the output */
  int32_t in_zp, pre_shift;
  qc_requant_t rq;
} qc_concat_part_t;

void qc_concat_part(const int8_t* in, int8_t* out, const qc_concat_part_t* p);
