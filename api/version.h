// quantc's version: `quantc --version`, the Python module's __version__ and
// the producer_version stamped into every model quantc writes.
#ifndef QUANTC_API_VERSION_H_
#define QUANTC_API_VERSION_H_

namespace quantc {

inline constexpr char kQuantcVersion[] = "0.1.0";

}  // namespace quantc

#endif  // QUANTC_API_VERSION_H_
