// libFuzzer target: bytes -> ParseNpy -> SerializeNpy -> ParseNpy.
//
// Properties: parsing fails cleanly or yields a tensor; a tensor quantc
// parsed serializes (it is an .npy dtype) and parses back to the same
// dtype, dims and bytes.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "fuzz/fuzz_support.h"
#include "ir/npy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace quantc;
  fuzz::Init();
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  auto t = ParseNpy(bytes, "fuzz.npy");
  if (!t.ok()) {
    fuzz::RequireClean(t.status(), "ParseNpy");
    return 0;
  }
  auto back = ParseNpy(SerializeNpy(*t), "fuzz_again.npy");
  fuzz::RequireOk(back.status(), "parsing quantc's own .npy");
  if (!(*back == *t)) {
    fuzz::RequireOk(absl::InternalError("round trip changed the tensor"), "npy round trip");
  }
  return 0;
}
