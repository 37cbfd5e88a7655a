"""Compiler options for targets that include libtorch headers."""

# The C++ frontend headers (torch/optim, torch/serialize, ...) are under
# /usr/include/torch/csrc/api/include; -isystem keeps their warnings out of
# quantc's -Wall -Wextra.
TORCH_COPTS = [
    "-isystem",
    "/usr/include/torch/csrc/api/include",
]
