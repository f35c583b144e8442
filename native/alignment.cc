// alignmentOffset(buffer, alignment): the bytes from an ArrayBuffer's start to its first address that
// is a multiple of `alignment` (a power of two up to 2 MiB), so that regions laid out from there are
// aligned in memory, not only relative to the buffer.
//
// Why: a large ArrayBuffer's memory comes from calloc, whose mmap'd chunks start 16 bytes into a
// page. The Sinkhorn pool lays its regions out on 128-byte boundaries of the buffer so that no two
// threads write one cache line; shifted by 16, the column scalings v (read by every thread for every
// chunk of rows) shared a line with the first block's column sums (written by it for every chunk):
// each pass over the flat 400,000 x 100 kernel took ~11 ms instead of ~7.
#include "alignment.h"

#include <cstdint>

napi_value AlignmentOffset(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  bool isBuffer = false;
  void* data = nullptr;
  size_t length = 0;
  int64_t alignment = 0;
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc < 2 || napi_is_arraybuffer(env, argv[0], &isBuffer) != napi_ok || !isBuffer ||
      napi_get_arraybuffer_info(env, argv[0], &data, &length) != napi_ok || napi_get_value_int64(env, argv[1], &alignment) != napi_ok || alignment < 1 ||
      alignment > (int64_t{2} << 20) || (alignment & (alignment - 1)) != 0) {
    napi_throw_type_error(env, nullptr, "alignmentOffset(buffer, alignment): an ArrayBuffer and a power of two up to 2 MiB");
    return nullptr;
  }
  const uintptr_t a = static_cast<uintptr_t>(alignment);
  const uintptr_t offset = (a - reinterpret_cast<uintptr_t>(data) % a) % a;
  napi_value out;
  napi_create_double(env, static_cast<double>(offset), &out);
  return out;
}
