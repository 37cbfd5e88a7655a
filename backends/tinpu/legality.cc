// The TINPU legality model (see legality.h for the rules). Per channel,
// Channel() decides the multiplier width, narrows it for float32
// exactness, and derives the OSS constants with ComputeOss (oss.h, the §3.2
// arithmetic); a failure is classified into the repair that fixes it.
#include "backends/tinpu/legality.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "quant/numeric.h"
#include "util/check.h"

namespace quantc::tinpu {
namespace {

double At(const std::vector<double>& v, int64_t c, double dflt) {
  if (v.empty()) return dflt;
  return v.size() == 1 ? v[0] : v[static_cast<size_t>(c)];
}

// Input-side blocks read real values: their offsets stay fractional (§4.5,
// §4.14), and their rounding term is half an output step.
bool FractionalOffset(RequantSite site) {
  return site == RequantSite::kInputQuantize || site == RequantSite::kInputBatchNorm ||
         site == RequantSite::kFloatOpOutput;
}

// Conv/Linear and the input BatchNorm pass the exact round term 1/(2w)
// (§3.3); the other blocks use ComputeOss's default 2^(shift-1)/mult.
bool ExactRoundTerm(RequantSite site) {
  return site == RequantSite::kWeighted || site == RequantSite::kInputBatchNorm;
}

std::string Pow2Text(double v) {
  return IsPowerOfTwo(v) ? absl::StrCat("2^", FloorLog2(v)) : absl::StrCat(v);
}

}  // namespace

const char* RequantSiteName(RequantSite site) {
  switch (site) {
    case RequantSite::kInputQuantize: return "input quantize";
    case RequantSite::kInputBatchNorm: return "input BatchNormalization";
    case RequantSite::kFloatOpOutput: return "float op output";
    case RequantSite::kWeighted: return "weighted layer";
    case RequantSite::kAdd: return "add";
    case RequantSite::kMul: return "mul";
    case RequantSite::kPool: return "average pool";
    case RequantSite::kMove: return "value move";
  }
  return "requantization";
}

Legality::Legality(BitWidths bits) : bits_(bits) {
  QC_CHECK(ValidateBitWidths(bits).ok());
  limits_ = LimitsFor(bits.weight);
}

ActivationScheme Legality::ActivationSchemeFor(DType storage) const {
  ActivationScheme s;
  s.storage = storage;
  s.bits = bits_.activation;
  s.symmetric = true;                 // TINPU integers carry no zero point
  s.full_range_if_nonnegative = true; // post-ReLU data uses [0, 2^b - 1]
  s.power2 = true;                    // requantization is a shift
  return s;
}

bool Legality::WeightsPowerOfTwo() const { return limits_.multiplier_bits == 1; }

int64_t Legality::WeightLimit() const { return WeightMax(bits_.weight); }

std::optional<bool> Legality::UnsignedDomain(DType storage, int64_t zero_point) const {
  if (storage != DType::kInt8 && storage != DType::kUInt8) return std::nullopt;
  const IntRange r = RangeFor(storage, bits_.activation, /*narrow=*/false);
  const int64_t mid = (r.qmin + r.qmax + 1) / 2;  // int8: 0, uint8: 128
  if (zero_point == r.qmin) return true;
  if (zero_point == mid) return false;
  return std::nullopt;
}

ClipRange Legality::DomainRange(bool is_unsigned) const {
  return is_unsigned ? UnsignedRange(bits_.activation) : SignedRange(bits_.activation);
}

bool Legality::MovesIntegers(const Node& n, std::string* why) {
  return IsAllowedNode(n, why);
}

int Legality::MultiplierBits(RequantSite site, double w) const {
  const bool shift_only = IsPowerOfTwo(w) && w <= 1;  // a plain right shift
  switch (site) {
    case RequantSite::kInputQuantize:
    case RequantSite::kFloatOpOutput: return kInputQuantizeMultiplierBits;
    case RequantSite::kInputBatchNorm: return kInputBatchNormMultiplierBits;
    case RequantSite::kWeighted: return limits_.multiplier_bits;
    case RequantSite::kPool:
      // An exact division by a window that is not a power of two needs a
      // multiplier even at 8-bit weights (quantc's fix of TI pitfall 7);
      // a power-of-two factor follows the weight width like any block.
      if (!IsPowerOfTwo(w)) return kMultiplierFieldBits;
      return shift_only ? 1 : limits_.multiplier_bits;
    default: return shift_only ? 1 : limits_.multiplier_bits;
  }
}

double Legality::Float32ExactLimit() { return std::ldexp(1.0, kFloat32ExactBits); }

double Legality::AccumulatorBound(double abs_sum, bool input_unsigned) const {
  const ClipRange r = DomainRange(input_unsigned);
  return abs_sum * static_cast<double>(std::max(-r.lo, r.hi));
}

// Narrows B until (bound + |offset| + |round term| + 1) * (2^B - 1) < 2^24,
// so (x + offset) * mult stays an exact float32 integer for every input.
int Legality::NarrowedBits(const Requant& r, int64_t c, double w, double round_term) const {
  int b = MultiplierBits(r.site, w);
  if (r.input_bound.empty()) return b;
  const double bound = At(r.input_bound, c, 0) + std::abs(At(r.offset, c, 0)) +
                       std::abs(round_term) + 1;
  while (b > 1 && bound * (std::ldexp(1.0, b) - 1) >= Float32ExactLimit()) --b;
  return b;
}

std::optional<OssParams> Legality::Channel(const Requant& r, int64_t c, double out_scale,
                                           Problem* problem) const {
  const double w = At(r.unit, c, 1) / out_scale;
  const double off0 = At(r.offset, c, 0);
  auto fail = [&](Problem::Kind kind, std::string why) {
    *problem = Problem{kind, {c}, std::move(why)};
    return std::nullopt;
  };
  if (!std::isfinite(w) || !(w > 0) || !std::isfinite(off0)) {
    return fail(Problem::Kind::kChannels, absl::StrCat("factor ", w, " is not a positive number"));
  }
  const std::string site = RequantSiteName(r.site);
  if (r.site == RequantSite::kMove && w > 1) {
    // Moving integers to a finer scale is an exact multiply by 2^k.
    const int max_align = kFloat32ExactBits - bits_.activation;
    if (IsPowerOfTwo(w) && FloorLog2(w) <= max_align) return OssParams{};
    return fail(Problem::Kind::kOutputTooFine,
                absl::StrCat(site, ": the output would be ", Pow2Text(w), " times finer than ",
                             "the input; integers can be aligned exactly by at most 2^",
                             max_align));
  }
  const double ro = ExactRoundTerm(r.site) ? 1 / (2 * w) : 0;
  const int b = NarrowedBits(r, c, w, ro);
  const double scale_max = std::ldexp(1.0, b) - 1;
  if (w > scale_max) {
    const bool shift_only = MultiplierBits(r.site, w) == 1;
    std::string why = absl::StrCat(site, ": requantization factor ", w, " exceeds ", scale_max,
                                   shift_only ? " (8-bit weights: the block only shifts right)"
                                              : absl::StrCat(" (", b, "-bit multiplier)"));
    if (!shift_only && b < MultiplierBits(r.site, w)) {
      absl::StrAppend(&why, "; the multiplier is narrowed from ", MultiplierBits(r.site, w),
                      " bits so float32 evaluation stays exact");
    }
    return fail(Problem::Kind::kOutputTooFine, why);
  }
  if (b == 1 && !IsPowerOfTwo(w)) {
    return fail(Problem::Kind::kChannels,
                absl::StrCat(site, ": factor ", w, " is not a power of two, and 8-bit-weight "
                             "blocks only shift"));
  }
  std::vector<double> ro_v = {ro};
  std::optional<absl::Span<const double>> ro_span;
  if (ExactRoundTerm(r.site)) ro_span = absl::MakeConstSpan(ro_v);
  absl::StatusOr<OssParams> p = ComputeOss({w}, {off0}, ro_span, b, kShiftBits,
                                           !FractionalOffset(r.site), limits_);
  if (p.ok()) return *std::move(p);
  if (std::ldexp(w, limits_.shift_max) <= 0.5) {
    return fail(Problem::Kind::kChannels,
                absl::StrCat(site, ": factor ", w, " is below 2^-", limits_.shift_max + 1,
                             ", so its multiplier rounds to 0 (the output would lose its bias)"));
  }
  const int field = FloorLog2(static_cast<double>(limits_.offset_max) + 1) + 1;
  if (ExactRoundTerm(r.site)) {
    return fail(Problem::Kind::kChannels,
                absl::StrCat(site, ": offset ", RoundHalfEven(off0 + ro),
                             " (bias plus rounding term, in accumulator units) overflows the int",
                             field, " offset field"));
  }
  return fail(Problem::Kind::kChannels, absl::StrCat(site, ": ", p.status().message()));
}

std::optional<Problem> Legality::Check(const Requant& r, double out_scale) const {
  std::optional<Problem> channels;
  const int64_t n = static_cast<int64_t>(std::max<size_t>(r.unit.size(), 1));
  for (int64_t c = 0; c < n; ++c) {
    Problem p;
    if (Channel(r, c, out_scale, &p)) continue;
    if (p.kind == Problem::Kind::kOutputTooFine) return p;
    if (!channels) {
      channels = p;
    } else {
      channels->channels.push_back(c);
    }
  }
  return channels;
}

absl::StatusOr<Realization> Legality::Realize(const Requant& r, double out_scale) const {
  // One pass over the channels; Check (which ranks the problems) only runs
  // when one fails, to say why.
  Realization out;
  const int64_t n = static_cast<int64_t>(std::max<size_t>(r.unit.size(), 1));
  for (int64_t c = 0; c < n; ++c) {
    Problem unused;
    std::optional<OssParams> one = Channel(r, c, out_scale, &unused);
    if (!one) {
      std::optional<Problem> p = Check(r, out_scale);
      return absl::FailedPreconditionError(absl::StrCat(p->why, "; run legalize_tinpu"));
    }
    out.oss.offset.insert(out.oss.offset.end(), one->offset.begin(), one->offset.end());
    out.oss.mult.insert(out.oss.mult.end(), one->mult.begin(), one->mult.end());
    out.oss.shift_mult.insert(out.oss.shift_mult.end(), one->shift_mult.begin(),
                              one->shift_mult.end());
    out.oss.shift.insert(out.oss.shift.end(), one->shift.begin(), one->shift.end());
  }
  const double w0 = At(r.unit, 0, 1) / out_scale;
  if (r.site == RequantSite::kMove && w0 > 1) return Realization{FloorLog2(w0), {}};
  return out;
}

double Legality::MinOutputScale(const Requant& r, double out_scale) const {
  double s = out_scale;
  // At most ~300 doublings span every float scale; the cap only guards
  // against a factor that no output scale can fix (then Check says why).
  for (int i = 0; i < 320; ++i) {
    std::optional<Problem> p = Check(r, s);
    if (!p || p->kind != Problem::Kind::kOutputTooFine) return s;
    s *= 2;
  }
  return s;
}

std::optional<double> Legality::ChannelScaleFactor(const Requant& r, double out_scale,
                                                   int64_t c) const {
  Requant one;
  one.site = r.site;
  const double unit = At(r.unit, c, 1);
  const double w = unit / out_scale;
  if (MultiplierBits(r.site, w) == 1 && !IsPowerOfTwo(w)) return std::nullopt;
  double f = 1;
  for (int k = 1; k <= 62; ++k) {
    f *= 2;
    one.unit = {unit * f};
    one.offset = {At(r.offset, c, 0) / f};
    if (!r.input_bound.empty()) one.input_bound = {At(r.input_bound, c, 0) / f};
    std::optional<Problem> p = Check(one, out_scale);
    if (!p || p->kind == Problem::Kind::kOutputTooFine) return f;
  }
  return std::nullopt;
}

double Legality::AddAlignScale(double a, double b) const {
  const double fine = std::min(a, b), coarse = std::max(a, b);
  // Two aligned addends must each stay below 2^23 for their sum to be exact.
  const double finest = std::ldexp(coarse, -(kFloat32ExactBits - 1 - bits_.activation));
  return std::max(fine, finest);
}

absl::StatusOr<Legality::Factor> Legality::QuantizeFactor(const Tensor& c) const {
  if (c.dtype() != DType::kFloat32) {
    return absl::InvalidArgumentError("constant factor must be float32");
  }
  auto scales = WeightScales(c, 0, kConstantFactorBits, /*per_tensor=*/true, /*power2=*/true);
  if (!scales.ok()) return scales.status();
  auto q = QuantizeTensor(c, *scales, {0}, 0, DType::kInt8,
                          RangeFor(DType::kInt8, kConstantFactorBits, /*narrow=*/true));
  if (!q.ok()) return q.status();
  Tensor ints(DType::kFloat32, c.dims());
  for (int64_t i = 0; i < c.num_elements(); ++i) {
    ints.mutable_data<float>()[i] = static_cast<float>(q->GetAsDouble(i));
  }
  return Factor{std::move(ints), (*scales)[0]};
}

}  // namespace quantc::tinpu
