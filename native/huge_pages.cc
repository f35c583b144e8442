// adviseHugePages(buffer): asks the kernel to back the 2 MiB-aligned interior of an ArrayBuffer with
// transparent huge pages (madvise MADV_HUGEPAGE), before its pages are first touched. Returns the
// bytes advised (0 where the buffer holds no whole 2 MiB page or the kernel declines).
//
// Why: a solve streams its N x K kernel a dozen times or more. On virtual machines whose page faults
// and TLB misses are costly (shadow paging), 4 KiB pages dominated: reading a 160 MB .npy into a new
// buffer took 0.5 s (0.03-0.14 s on huge pages) and the first pass over it 0.27 s (0.03 s). Only the
// advice changes: where THP is off ("never") nothing happens, where it is "always" nothing changes.
#include "huge_pages.h"

#include <sys/mman.h>

#include <cstdint>

napi_value AdviseHugePages(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  bool isBuffer = false;
  void* data = nullptr;
  size_t length = 0;
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc < 1 || napi_is_arraybuffer(env, argv[0], &isBuffer) != napi_ok || !isBuffer ||
      napi_get_arraybuffer_info(env, argv[0], &data, &length) != napi_ok) {
    napi_throw_type_error(env, nullptr, "adviseHugePages(buffer): buffer must be an ArrayBuffer");
    return nullptr;
  }
  double advised = 0;
#ifdef MADV_HUGEPAGE
  constexpr uintptr_t kHuge = uintptr_t{2} << 20;
  const uintptr_t begin = (reinterpret_cast<uintptr_t>(data) + kHuge - 1) & ~(kHuge - 1);
  const uintptr_t end = (reinterpret_cast<uintptr_t>(data) + length) & ~(kHuge - 1);
  // Advice only: a refusal (EINVAL where THP is not built in) leaves the buffer as it was.
  if (data != nullptr && end > begin && madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE) == 0) advised = static_cast<double>(end - begin);
#endif
  napi_value out;
  napi_create_double(env, advised, &out);
  return out;
}
