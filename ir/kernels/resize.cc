// Resize (opsets 10, 11, 13) and its deprecated predecessor Upsample
// (opsets 7 and 9).
//
// Each output coordinate x along an axis maps back to a real input
// coordinate x_original. With scale the given scale (or L_out / L_in when
// `sizes` is given) and L_out = scale * L_in as a real number:
//   half_pixel            (x + 0.5) / scale - 0.5
//   pytorch_half_pixel    L_out > 1 ? (x + 0.5) / scale - 0.5 : 0
//   align_corners         L_out == 1 ? 0 : x * (L_in - 1) / (L_out - 1)
//   asymmetric            x / scale
//   tf_half_pixel_for_nn  (x + 0.5) / scale
//   tf_crop_and_resize    start * (L_in - 1) + x * (end - start) * (L_in - 1) / (L_out - 1)
//                         (the roi's centre when L_out == 1); outside
//                         [0, L_in - 1] the output is extrapolation_value.
// L_out is the real product, not the integer output length, because ONNX's
// reference implementation (which produced the conformance data, e.g.
// test_resize_downsample_scales_linear_align_corners) defines it so; the
// two differ only when `scales` makes scale * L_in fractional.
//
// The mode then reads input taps around x_original; a tap outside the input
// reads the nearest edge element:
//   nearest  one tap, x_original rounded by nearest_mode
//   linear   floor and floor + 1 with weights 1 - r and r (r = x_original - floor)
//   cubic    floor - 1 .. floor + 2 with Keys' kernel (a = cubic_coeff_a); with
//            exclude_outside=1, taps outside the input get weight 0 and the
//            remaining weights are renormalized to sum to 1.
// N-D linear/cubic is separable: one axis at a time, innermost first (as in
// ONNX's reference), accumulating in double. Nearest is a pure gather, so it
// works for every element type; linear and cubic need f32/f64 (16-bit
// floats are widened by the kernel table).
//
// Opset 10 Resize and Upsample predate coordinate_transformation_mode and
// nearest_mode. Like ONNX Runtime (the spec says nothing), they use
// asymmetric coordinates computed in float32 and, for nearest, floor on an
// upsampled axis and ceil on a downsampled one.
//
// Opset 11+ follows the spec and ONNX's reference, which ONNX Runtime
// (1.30) departs from in corners: it uses the integer output length as
// L_out, computes coordinates in float32 (visible at exact .5 ties of a
// nearest rounding), and treats an axis of scale 1 as the identity (visible
// with tf_half_pixel_for_nn plus a ceil rounding, or a tf_crop_and_resize
// roi other than [0, 1] on an unresized axis).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "ir/kernels/kernel.h"
#include "ir/kernels/kernels.h"
#include "util/status_macros.h"

namespace quantc {
namespace kernels {
namespace {

enum class Mode { kNearest, kLinear, kCubic };
enum class Coord {
  kHalfPixel,
  kPytorchHalfPixel,
  kAlignCorners,
  kAsymmetric,
  kTfHalfPixelForNn,
  kTfCropAndResize,
  kLegacy,  // opset 10 Resize and Upsample: asymmetric, in float32
};
enum class Nearest { kRoundPreferFloor, kRoundPreferCeil, kFloor, kCeil, kLegacy };

struct Params {
  Mode mode = Mode::kNearest;
  Coord coord = Coord::kLegacy;
  Nearest nearest = Nearest::kLegacy;
  double cubic_a = -0.75;
  bool exclude_outside = false;
  double extrapolation = 0.0;
  std::vector<double> scales;   // per axis
  std::vector<double> out_len;  // per axis: L_out as a real number
  std::vector<int64_t> out_dims;
  std::vector<double> roi;  // tf_crop_and_resize: starts then ends
};

// The input taps of one output coordinate along one axis; n == 0 means the
// coordinate is outside the crop window.
struct Taps {
  int n = 0;
  int64_t index[4] = {0, 0, 0, 0};
  double weight[4] = {0, 0, 0, 0};
};

absl::StatusOr<Mode> ParseMode(const Node& node, bool allow_cubic) {
  const std::string m = node.GetString("mode", "nearest");
  if (m == "nearest") return Mode::kNearest;
  if (m == "linear") return Mode::kLinear;
  if (m == "cubic" && allow_cubic) return Mode::kCubic;
  return Invalid("mode '", m, "' is not one of nearest, linear", allow_cubic ? ", cubic" : "");
}

absl::StatusOr<Coord> ParseCoord(const Node& node) {
  static constexpr std::pair<const char*, Coord> kNames[] = {
      {"half_pixel", Coord::kHalfPixel},
      {"pytorch_half_pixel", Coord::kPytorchHalfPixel},
      {"align_corners", Coord::kAlignCorners},
      {"asymmetric", Coord::kAsymmetric},
      // Removed from the spec in opset 13; ONNX Runtime still accepts it
      // there, and its meaning is unambiguous.
      {"tf_half_pixel_for_nn", Coord::kTfHalfPixelForNn},
      {"tf_crop_and_resize", Coord::kTfCropAndResize},
  };
  const std::string c = node.GetString("coordinate_transformation_mode", "half_pixel");
  for (const auto& [name, value] : kNames) {
    if (c == name) return value;
  }
  return Invalid("unknown coordinate_transformation_mode '", c, "'");
}

absl::StatusOr<Nearest> ParseNearest(const Node& node) {
  const std::string n = node.GetString("nearest_mode", "round_prefer_floor");
  if (n == "round_prefer_floor") return Nearest::kRoundPreferFloor;
  if (n == "round_prefer_ceil") return Nearest::kRoundPreferCeil;
  if (n == "floor") return Nearest::kFloor;
  if (n == "ceil") return Nearest::kCeil;
  return Invalid("unknown nearest_mode '", n, "'");
}

double OriginalCoord(const Params& p, int axis, int64_t x, int64_t in_len) {
  const double scale = p.scales[axis];
  const double out_len = p.out_len[axis];
  const double xd = static_cast<double>(x);
  switch (p.coord) {
    case Coord::kHalfPixel:
      return (xd + 0.5) / scale - 0.5;
    case Coord::kPytorchHalfPixel:
      // The spec (and ONNX Runtime) say 0 for a length-1 output; ONNX's
      // reference says -0.5, which only differs for cubic.
      return out_len > 1 ? (xd + 0.5) / scale - 0.5 : 0.0;
    case Coord::kAlignCorners:
      return out_len == 1 ? 0.0 : xd * static_cast<double>(in_len - 1) / (out_len - 1);
    case Coord::kAsymmetric:
      return xd / scale;
    case Coord::kTfHalfPixelForNn:
      return (xd + 0.5) / scale;
    case Coord::kTfCropAndResize: {
      const double start = p.roi[axis];
      const double end = p.roi[p.scales.size() + axis];
      const double span = static_cast<double>(in_len - 1);
      if (out_len == 1) return (end - start) * span / 2 + start * span;
      return xd * (end - start) * span / (out_len - 1) + start * span;
    }
    case Coord::kLegacy:
      break;
  }
  return static_cast<double>(static_cast<float>(x) / static_cast<float>(scale));
}

// Keys' cubic kernel for |s| <= 1 and 1 < |s| < 2, written as ONNX's
// reference writes it so that weights agree to the last bit.
double CubicNear(double s, double a) { return ((a + 2) * s - (a + 3)) * s * s + 1; }
double CubicFar(double s, double a) { return ((a * s - 5 * a) * s + 8 * a) * s - 4 * a; }

Taps MakeTaps(const Params& p, int axis, int64_t x, int64_t in_len) {
  Taps t;
  double xo = OriginalCoord(p, axis, x, in_len);
  if (p.coord == Coord::kTfCropAndResize && !(xo >= 0 && xo <= static_cast<double>(in_len - 1))) {
    return t;
  }
  // Keeps the int64 conversion defined; every tap past this range reads the
  // same edge element anyway.
  if (std::isnan(xo)) xo = 0;
  xo = std::min(std::max(xo, -4.0), static_cast<double>(in_len) + 4.0);
  const double fl = std::floor(xo);
  const double r = xo - fl;
  const int64_t f = static_cast<int64_t>(fl);
  auto add = [&](int64_t i, double w) {
    t.index[t.n] = std::min(std::max<int64_t>(i, 0), in_len - 1);
    t.weight[t.n] = w;
    ++t.n;
  };
  if (p.mode == Mode::kNearest) {
    int64_t i = f;
    if (p.nearest == Nearest::kLegacy) {
      i = p.scales[axis] < 1 ? static_cast<int64_t>(std::ceil(xo)) : f;
    } else if (r != 0) {
      switch (p.nearest) {
        case Nearest::kRoundPreferFloor:
          i = r <= 0.5 ? f : f + 1;
          break;
        case Nearest::kRoundPreferCeil:
          i = r < 0.5 ? f : f + 1;
          break;
        case Nearest::kFloor:
          break;
        case Nearest::kCeil:
        case Nearest::kLegacy:
          i = f + 1;
          break;
      }
    }
    add(i, 1.0);
  } else if (r == 0) {
    add(f, 1.0);  // on a sample point every other weight is exactly 0
  } else if (p.mode == Mode::kLinear) {
    add(f, 1 - r);
    add(f + 1, r);
  } else {
    const double a = p.cubic_a;
    double w[4] = {CubicFar(1 + r, a), CubicNear(r, a), CubicNear(1 - r, a), CubicFar(2 - r, a)};
    if (p.exclude_outside) {
      double sum = 0;
      for (int k = 0; k < 4; ++k) {
        const int64_t i = f - 1 + k;
        if (i < 0 || i >= in_len) w[k] = 0;
        sum += w[k];
      }
      if (sum != 0) {
        for (double& v : w) v /= sum;
      }
    }
    for (int k = 0; k < 4; ++k) add(f - 1 + k, w[k]);
  }
  return t;
}

bool IsIdentity(const std::vector<Taps>& taps, int64_t in_len) {
  if (static_cast<int64_t>(taps.size()) != in_len) return false;
  for (int64_t x = 0; x < in_len; ++x) {
    if (taps[x].n != 1 || taps[x].index[0] != x || taps[x].weight[0] != 1.0) return false;
  }
  return true;
}

// out[...] = in[sum of per-axis offsets], or `fill` where some axis is
// outside the crop window (offset -1).
template <typename U>
void GatherNearest(const U* in, U* out, const std::vector<int64_t>& out_dims,
                   const std::vector<std::vector<int64_t>>& offsets, U fill) {
  const size_t rank = out_dims.size();
  if (rank == 0) {
    out[0] = in[0];
    return;
  }
  const int64_t total = NumElements(out_dims);
  const std::vector<int64_t>& last = offsets[rank - 1];
  std::vector<int64_t> index(rank, 0);
  for (int64_t o = 0; o < total; o += out_dims[rank - 1]) {
    int64_t base = 0;
    bool outside = false;
    for (size_t d = 0; d + 1 < rank; ++d) {
      const int64_t off = offsets[d][index[d]];
      outside |= off < 0;
      base += off;
    }
    for (int64_t i = 0; i < out_dims[rank - 1]; ++i) {
      out[o + i] = outside || last[i] < 0 ? fill : in[base + last[i]];
    }
    for (size_t d = rank - 1; d-- > 0;) {
      if (++index[d] < out_dims[d]) break;
      index[d] = 0;
    }
  }
}

// Resamples axis `axis` of `src` (shape `dims`) to taps.size() entries.
std::vector<double> ResampleAxis(const std::vector<double>& src, std::vector<int64_t>& dims,
                                 size_t axis, const std::vector<Taps>& taps, double fill) {
  int64_t outer = 1, inner = 1;
  for (size_t d = 0; d < dims.size(); ++d) {
    if (d < axis) outer *= dims[d];
    if (d > axis) inner *= dims[d];
  }
  const int64_t in_len = dims[axis];
  const int64_t out_len = static_cast<int64_t>(taps.size());
  std::vector<double> dst(outer * out_len * inner, 0.0);
  for (int64_t o = 0; o < outer; ++o) {
    const double* s = src.data() + o * in_len * inner;
    for (int64_t x = 0; x < out_len; ++x) {
      double* d = dst.data() + (o * out_len + x) * inner;
      const Taps& t = taps[x];
      if (t.n == 0) std::fill(d, d + inner, fill);
      for (int j = 0; j < t.n; ++j) {
        const double* sj = s + t.index[j] * inner;
        for (int64_t k = 0; k < inner; ++k) d[k] += t.weight[j] * sj[k];
      }
    }
  }
  dims[axis] = out_len;
  return dst;
}

// The linear/cubic path resamples one axis at a time in double: every
// intermediate shape must fit the scratch cap (downsampling one axis while
// upsampling another can make them larger than input and output).
absl::Status CheckResampleScratch(const Tensor& x, const Params& p) {
  std::vector<int64_t> dims = x.dims();
  QC_RETURN_IF_ERROR(CheckScratch(DType::kFloat64, dims));
  for (size_t d = dims.size(); d-- > 0;) {
    dims[d] = p.out_dims[d];
    QC_RETURN_IF_ERROR(CheckScratch(DType::kFloat64, dims));
  }
  return absl::OkStatus();
}

absl::StatusOr<Tensor> Interpolate(const Tensor& x, const Params& p) {
  const size_t rank = x.dims().size();
  // Checked before the per-axis taps below are sized from the output.
  QC_ASSIGN_OR_RETURN(Tensor y, Tensor::Create(x.dtype(), p.out_dims));
  if (p.mode != Mode::kNearest) QC_RETURN_IF_ERROR(CheckResampleScratch(x, p));
  std::vector<std::vector<Taps>> taps(rank);
  for (size_t d = 0; d < rank; ++d) {
    taps[d].resize(p.out_dims[d]);
    for (int64_t i = 0; i < p.out_dims[d]; ++i) {
      taps[d][i] = MakeTaps(p, static_cast<int>(d), i, x.dims()[d]);
    }
  }
  if (p.mode == Mode::kNearest) {
    const std::vector<int64_t> strides = Strides(x.dims());
    std::vector<std::vector<int64_t>> offsets(rank);
    for (size_t d = 0; d < rank; ++d) {
      for (const Taps& t : taps[d]) offsets[d].push_back(t.n == 0 ? -1 : t.index[0] * strides[d]);
    }
    // extrapolation_value in X's element type (only tf_crop_and_resize uses it).
    Tensor fill;
    if (p.coord == Coord::kTfCropAndResize) {
      QC_ASSIGN_OR_RETURN(fill, CastTensor(Tensor::Scalar<double>(p.extrapolation), x.dtype()));
    }
    return DispatchBySize(x.dtype(), [&](auto tag) -> absl::StatusOr<Tensor> {
      using U = typename decltype(tag)::type;
      U fill_value{};
      if (fill.num_bytes() == sizeof(U)) std::memcpy(&fill_value, fill.raw(), sizeof(U));
      if (y.num_elements() > 0) {
        GatherNearest<U>(reinterpret_cast<const U*>(x.raw()), y.mutable_data<U>(), p.out_dims,
                         offsets, fill_value);
      }
      return std::move(y);
    });
  }
  if (x.dtype() != DType::kFloat32 && x.dtype() != DType::kFloat64) {
    return Unsupported("mode '", p.mode == Mode::kLinear ? "linear" : "cubic",
                       "' is only supported for f32 and f64 input, got ", DTypeName(x.dtype()));
  }
  return DispatchFloat(x.dtype(), [&](auto tag) -> absl::StatusOr<Tensor> {
    using T = typename decltype(tag)::type;
    if (y.num_elements() == 0) return std::move(y);
    auto in = x.data<T>();
    std::vector<double> buf(in.begin(), in.end());
    std::vector<int64_t> dims = x.dims();
    for (size_t d = rank; d-- > 0;) {
      if (IsIdentity(taps[d], dims[d])) continue;
      buf = ResampleAxis(buf, dims, d, taps[d], p.extrapolation);
    }
    T* out = y.mutable_data<T>();
    for (size_t i = 0; i < buf.size(); ++i) out[i] = static_cast<T>(buf[i]);
    return std::move(y);
  });
}

absl::StatusOr<std::vector<double>> ReadFloats(const Tensor& t, absl::string_view what) {
  if (t.dtype() != DType::kFloat32 && t.dtype() != DType::kFloat64) {
    return Invalid(what, " must be float32, got ", DTypeName(t.dtype()));
  }
  std::vector<double> v(t.num_elements());
  for (int64_t i = 0; i < t.num_elements(); ++i) v[i] = t.GetAsDouble(i);
  return v;
}

// Output dims floor(L_in * scale), as in the spec.
absl::Status SetScales(Params& p, const Tensor& x, std::vector<double> scales) {
  if (scales.size() != x.dims().size()) {
    return Invalid("scales has ", scales.size(), " entries for input of rank ", x.rank());
  }
  for (size_t d = 0; d < scales.size(); ++d) {
    const double len = scales[d] * static_cast<double>(x.dims()[d]);
    if (!(scales[d] > 0) || !std::isfinite(scales[d]) || !(len < 9.0e18)) {
      return Invalid("scale ", scales[d], " for axis ", d, " of ", ShapeStr(x.dims()),
                     " must be positive and give a dim below 2^63");
    }
    p.out_dims.push_back(static_cast<int64_t>(std::floor(len)));
    p.out_len.push_back(len);
  }
  p.scales = std::move(scales);
  return CheckShape(x.dtype(), p.out_dims).status();
}

absl::Status SetSizes(Params& p, const Tensor& x, const std::vector<int64_t>& sizes) {
  if (sizes.size() != x.dims().size()) {
    return Invalid("sizes has ", sizes.size(), " entries for input of rank ", x.rank());
  }
  QC_RETURN_IF_ERROR(CheckShape(x.dtype(), sizes).status());
  for (size_t d = 0; d < sizes.size(); ++d) {
    const int64_t in = x.dims()[d];
    if (in == 0 && sizes[d] != 0) {
      return Invalid("sizes ", ShapeStr(sizes), " resizes an empty axis of ", ShapeStr(x.dims()));
    }
    p.scales.push_back(in == 0 ? 1.0 : static_cast<double>(sizes[d]) / static_cast<double>(in));
    p.out_len.push_back(static_cast<double>(sizes[d]));
  }
  p.out_dims = sizes;
  return absl::OkStatus();
}

// Opset 10 Resize and Upsample: asymmetric, legacy nearest rounding.
KernelResult LegacyResize(const Tensor& x, const Node& node, std::vector<double> scales,
                          bool upsample) {
  Params p;
  QC_ASSIGN_OR_RETURN(p.mode, ParseMode(node, /*allow_cubic=*/false));
  if (upsample) {
    for (double s : scales) {
      if (!(s >= 1)) return Invalid("Upsample scales must be >= 1, got ", s);
    }
  }
  QC_RETURN_IF_ERROR(SetScales(p, x, std::move(scales)));
  QC_ASSIGN_OR_RETURN(Tensor y, Interpolate(x, p));
  return std::vector<Tensor>{std::move(y)};
}

}  // namespace

KernelResult Resize10(const KernelContext& ctx) {
  QC_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
  QC_ASSIGN_OR_RETURN(const Tensor* s, RequireInput(ctx, 1));
  QC_ASSIGN_OR_RETURN(std::vector<double> scales, ReadFloats(*s, "scales"));
  return LegacyResize(*x, ctx.node(), std::move(scales), /*upsample=*/false);
}

KernelResult Resize(const KernelContext& ctx) {
  QC_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
  const Node& node = ctx.node();
  Params p;
  QC_ASSIGN_OR_RETURN(p.mode, ParseMode(node, /*allow_cubic=*/true));
  QC_ASSIGN_OR_RETURN(p.coord, ParseCoord(node));
  if (p.mode == Mode::kNearest) {
    QC_ASSIGN_OR_RETURN(p.nearest, ParseNearest(node));
  }
  p.cubic_a = node.GetFloat("cubic_coeff_a", -0.75f);
  p.exclude_outside = node.GetInt("exclude_outside", 0) != 0;
  p.extrapolation = node.GetFloat("extrapolation_value", 0.0f);
  // Opset 11 requires `scales` even with `sizes`, as an empty tensor.
  const Tensor* scales = ctx.input(2);
  const Tensor* sizes = ctx.input(3);
  const bool use_scales = scales != nullptr && scales->num_elements() > 0;
  const bool use_sizes = sizes != nullptr && sizes->num_elements() > 0;
  if (use_scales == use_sizes) {
    return Invalid("exactly one of 'scales' and 'sizes' must be given and non-empty");
  }
  if (use_scales) {
    QC_ASSIGN_OR_RETURN(std::vector<double> s, ReadFloats(*scales, "scales"));
    QC_RETURN_IF_ERROR(SetScales(p, *x, std::move(s)));
  } else {
    QC_ASSIGN_OR_RETURN(std::vector<int64_t> s, ReadInts(*sizes, "sizes"));
    QC_RETURN_IF_ERROR(SetSizes(p, *x, s));
  }
  if (p.coord == Coord::kTfCropAndResize) {
    const Tensor* roi = ctx.input(1);
    if (roi == nullptr) return Invalid("tf_crop_and_resize needs the 'roi' input");
    QC_ASSIGN_OR_RETURN(p.roi, ReadFloats(*roi, "roi"));
    if (p.roi.size() != 2 * x->dims().size()) {
      return Invalid("roi has ", p.roi.size(), " entries; input of rank ", x->rank(), " needs ",
                     2 * x->rank());
    }
  }
  QC_ASSIGN_OR_RETURN(Tensor y, Interpolate(*x, p));
  return std::vector<Tensor>{std::move(y)};
}

KernelResult UpsampleAttr(const KernelContext& ctx) {
  QC_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
  const Attribute* a = ctx.node().FindAttr("scales");
  if (a == nullptr) return Invalid("attribute 'scales' is required");
  std::vector<float> f = ctx.node().GetFloats("scales");
  return LegacyResize(*x, ctx.node(), std::vector<double>(f.begin(), f.end()), /*upsample=*/true);
}

KernelResult UpsampleInput(const KernelContext& ctx) {
  QC_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
  QC_ASSIGN_OR_RETURN(const Tensor* s, RequireInput(ctx, 1));
  QC_ASSIGN_OR_RETURN(std::vector<double> scales, ReadFloats(*s, "scales"));
  return LegacyResize(*x, ctx.node(), std::move(scales), /*upsample=*/true);
}

}  // namespace kernels
}  // namespace quantc
